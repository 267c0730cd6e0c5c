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
#include <unistd.h>

#include "caps.h"
#include "cmd.h"
#include "log.h"
#include "restore.h"

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
