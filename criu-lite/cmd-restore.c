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

#include "cmd.h"
#include "log.h"
#include "restore.h"

static int rst_write_pidfile(const char *path, pid_t pid)
{
	char buf[32];
	int fd, n = snprintf(buf, sizeof(buf), "%d\n", pid);

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, buf, (size_t)n) != n) {
		pr_err("pidfile '%s': %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -EIO;
	}
	close(fd);
	return 0;
}

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

int cmd_restore(const struct opts *o)
{
	struct rst_ctx c = {.o = o};
	double t0 = rst_now();
	pid_t root;
	int ret;

	ret = rst_read_all(&c, o->images_dir ? o->images_dir : ".");
	if (!ret)
		ret = rst_files_open(&c);
	if (!ret)
		ret = rst_tree_create(&c);
	rst_files_close(&c);
	if (!ret)
		ret = rst_rebuild_all(&c);
	if (!ret && o->pidfile)
		ret = rst_write_pidfile(o->pidfile, c.tasks[0].pid);
	if (ret) {
		bool created = c.nr_tasks && c.tasks[0].created;

		rst_tree_kill(&c);
		pr_err("restore from '%s' failed%s", o->images_dir ? o->images_dir : ".",
		       created ? "; every process it created was killed" : "");
		rst_ctx_fini(&c);
		return 1;
	}
	root = c.tasks[0].pid;
	pr_info("restored %zu process(es), root pid %d, in %.3f s", c.nr_tasks, root,
		rst_now() - t0);
	rst_ctx_fini(&c);
	if (o->restore_detached)
		return 0;
	return rst_wait_root(root);
}
