/*
 * Restore: pidfds. The process a pidfd refers to is one of the tree (dump
 * refuses others), which does not exist yet when the tool opens the shared
 * files: each process holding a pidfd opens it itself while installing its
 * fds (pidfd_open of the recorded pid, with the recorded O_NONBLOCK), waiting
 * a little for a process that another branch of the tree is still creating.
 * Processes that shared one pidfd description get one each (same pid and
 * flags).
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "restore-fd.h"

#define RST_PIDFD_WAIT_MS 5000

static int rst_pidfd_install(const struct rst_ctx *c, const FileEntry *fe, int *fdp)
{
	const PidfdEntry *p = fe->pidfd;
	struct timespec nap = {0, 200000};
	int fd = -1;

	for (int ms = 0; ms < RST_PIDFD_WAIT_MS; ms++) {
		fd = (int)syscall(SYS_pidfd_open, p->nspid, p->flags & O_NONBLOCK);
		if (fd >= 0 || errno != ESRCH)
			break;
		for (int k = 0; k < 5; k++)
			nanosleep(&nap, NULL);
	}
	if (fd < 0)
		return -errno;
	*fdp = fd;
	return 0;
}

static int rst_pidfd_open(struct rst_ctx *c, const struct rst_task *t, const FileEntry *fe,
			  int *fdp)
{
	return -EOPNOTSUPP; /* never called: install */
}

static bool rst_pidfd_check(const FileEntry *fe)
{
	return fe->pidfd && fe->pidfd->nspid > 0;
}

RST_FD_FOWN(rst_pidfd_fown, pidfd)

const struct fd_rst_ops rst_fd_pidfd = {
	.name = "pidfd",
	.type = FD_TYPES__PIDFD,
	.check = rst_pidfd_check,
	.open = rst_pidfd_open,
	.install = rst_pidfd_install,
	.fown = rst_pidfd_fown,
};
