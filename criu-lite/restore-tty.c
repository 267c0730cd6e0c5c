/*
 * Restore: terminal fds of a --shell-job dump. The job's terminal was the
 * calling shell's; the restored job belongs to the shell that runs restore,
 * so every tty fd is reopened on the tool's own terminal (the one on its
 * stdin) with the recorded flags, and the restored root joins the tool's
 * session and foreground group (restore-tree.c). The terminal's settings are
 * the user's and are left alone. Without --shell-job a tty fd is refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "restore.h"

bool rst_tty_supported(const FileEntry *fe)
{
	return fe->tty != NULL;
}

int rst_tty_open(struct rst_ctx *c, const FileEntry *fe, int *fdp)
{
	int flags = (int)fe->tty->flags & ~(O_CREAT | O_TRUNC | O_EXCL | O_CLOEXEC);
	char path[256];
	int fd, ret;

	if (!c->o->shell_job) {
		pr_err("tty file id %u: the images hold a terminal: restore with --shell-job",
		       fe->id);
		return -EOPNOTSUPP;
	}
	ret = ttyname_r(STDIN_FILENO, path, sizeof(path));
	if (ret) {
		pr_err("tty file id %u: --shell-job needs a terminal on the tool's stdin: %s",
		       fe->id, strerror(ret));
		return -ret;
	}
	fd = open(path, flags | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		pr_err("tty file id %u: cannot open the tool's terminal '%s': %s", fe->id, path,
		       strerror(errno));
		return ret;
	}
	*fdp = fd;
	return 0;
}
