/*
 * criu-lite restore -D DIR [-d] [--pidfile F]: recreate the dumped tree.
 * Phases: read and check every image (restore-read.c), open shared files
 * (restore-files.c), create the processes (restore-tree.c), rebuild each one
 * through ptrace (restore-finish.c). See docs/restore-design.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "caps.h"
#include "cmd.h"
#include "log.h"
#include "pidfile.h"
#include "restore.h"

static double rst_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Waits for the restored root (our child) and turns its end into our status. */
static int rst_wait_root(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR) {
			pr_err("waiting for pid %d: %s", pid, strerror(errno));
			return 1;
		}
	}
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return WEXITSTATUS(st);
}

/* One restore from @dir, with memory staged ahead in @stage (or NULL). */
static int rst_run(const struct opts *o, const char *dir, struct rst_stage *stage, pid_t *root)
{
	struct rst_ctx c = {
		.o = o, .stage = stage, .filler = stage ? rst_stage_filler(stage) : NULL};
	double t0 = rst_now();
	int ret;

	ret = rst_read_all(&c, dir);
	/* After the images' own checks (owner, credentials): those name the images. */
	if (!ret)
		ret = caps_require(o, "restore");
	pr_debug("restore: images read at %.6f", rst_now());
	if (!ret && stage) {
		struct rst_stage_stats st;

		/* The last delta; should it fail, nothing is staged and the restore fills it all.
		 */
		rst_stage_apply_ctx(stage, &c, &st);
	}
	if (!ret)
		ret = rst_files_open(&c);
	if (!ret)
		ret = rst_tree_create(&c);
	if (!ret)
		ret = rst_files_owners(&c);
	pr_debug("restore: tree created at %.6f", rst_now());
	/* The new processes have the staged memory now: the tool's copies go. */
	if (stage && c.nr_tasks && c.tasks[0].created)
		rst_stage_release(stage);
	rst_files_close(&c);
	pr_debug("restore: the tool's copies released at %.6f", rst_now());
	if (!ret)
		ret = rst_rebuild_all(&c);
	if (!ret && o->pidfile)
		ret = pidfile_write(o->pidfile, c.tasks[0].pid);
	if (ret) {
		bool created = c.nr_tasks && c.tasks[0].created;

		rst_tree_kill(&c);
		pr_err("restore from '%s' failed%s", dir,
		       created ? "; every process it created was killed" : "");
		rst_ctx_fini(&c);
		return 1;
	}
	*root = c.tasks[0].pid;
	pr_info("restored %zu process(es), root pid %d, in %.3f s", c.nr_tasks, *root,
		rst_now() - t0);
	rst_ctx_fini(&c);
	return 0;
}

/* A directory named on a command line of --staged: relative to -D. */
static const char *rst_staged_dir(const struct opts *o, const char *arg, char *buf, size_t len)
{
	if (arg[0] == '/' || !o->images_dir || !strcmp(o->images_dir, "."))
		return arg;
	snprintf(buf, len, "%s/%s", o->images_dir, arg);
	return buf;
}

/*
 * restore --staged: "stage DIR" lines (pre-dump directories of one chain, in
 * order) build the tree's memory ahead; "restore DIR" (the final dump)
 * applies its delta and restores. One reply line per command on stdout.
 */
static int rst_staged(const struct opts *o)
{
	struct rst_stage *stage = rst_stage_new();
	char line[4200], buf[8400];
	int ret = 1;

	if (!stage)
		return 1;
	while (fgets(line, sizeof(line), stdin)) {
		struct rst_stage_stats st;
		const char *dir;
		pid_t root;

		line[strcspn(line, "\n")] = 0;
		if (!strncmp(line, "stage ", 6)) {
			dir = rst_staged_dir(o, line + 6, buf, sizeof(buf));
			if (rst_stage_apply(stage, dir, &st))
				printf("stage-failed %s\n", line + 6);
			else
				printf("staged %s areas %lu pages %lu ms %.1f\n", line + 6,
				       st.areas, st.pages, st.ms);
		} else if (!strncmp(line, "restore ", 8)) {
			dir = rst_staged_dir(o, line + 8, buf, sizeof(buf));
			ret = rst_run(o, dir, stage, &root);
			if (ret) {
				printf("failed %s\n", line + 8);
				break;
			}
			printf("restored %d\n", root);
			fflush(stdout);
			ret = o->restore_detached ? 0 : rst_wait_root(root);
			break;
		} else {
			printf("error unknown command '%s'\n", line);
		}
		fflush(stdout);
	}
	fflush(stdout);
	rst_stage_free(stage);
	return ret;
}

int cmd_restore(const struct opts *o)
{
	pid_t root;

	if (caps_enter(o))
		return 1;
	if (o->staged)
		return rst_staged(o);
	if (rst_run(o, o->images_dir ? o->images_dir : ".", NULL, &root))
		return 1;
	if (o->restore_detached)
		return 0;
	return rst_wait_root(root);
}
