/*
 * Restore: the anon_inode kinds, created by the tool before forking like
 * every shared object: eventfd (counter), signalfd (mask), timerfd (clock,
 * remaining time, interval, ticks). epoll: restore-epoll.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "log.h"
#include "restore-fd.h"

#ifndef TFD_IOC_SET_TICKS
#define TFD_IOC_SET_TICKS _IOW('T', 0, uint64_t)
#endif

static int rst_open_timerfd(const TimerfdEntry *t, int *fdp)
{
	struct itimerspec its = {{(time_t)t->isec, (long)t->insec},
				 {(time_t)t->vsec, (long)t->vnsec}};
	int fd = timerfd_create((int)t->clockid, (int)(t->flags & O_NONBLOCK) | TFD_CLOEXEC);

	if (fd < 0)
		return -errno;
	/* An expired periodic timer shows 0 left until read: it is still armed. */
	if (!its.it_value.tv_sec && !its.it_value.tv_nsec &&
	    (its.it_interval.tv_sec || its.it_interval.tv_nsec))
		its.it_value.tv_nsec = 1;
	/* fdinfo shows the time left, so it is set relative whatever the original flags. */
	if ((its.it_value.tv_sec || its.it_value.tv_nsec) && timerfd_settime(fd, 0, &its, NULL)) {
		close(fd);
		return -errno;
	}
	if (t->ticks && ioctl(fd, TFD_IOC_SET_TICKS, &t->ticks))
		pr_warn("timerfd %u: cannot restore %llu pending ticks: %s", t->id,
			(unsigned long long)t->ticks, strerror(errno));
	*fdp = fd;
	return 0;
}

/* Created, or -errno (logged). */
static int rst_anon_made(const FileEntry *fe, int fd, int *fdp)
{
	int ret;

	if (fd < 0) {
		ret = -errno;
		pr_err("file id %u (type %d): cannot create: %s", fe->id, fe->type, strerror(-ret));
		return ret;
	}
	*fdp = fd;
	return 0;
}

static int rst_open_eventfd(struct rst_ctx *c, const struct rst_task *t, const FileEntry *fe,
			    int *fdp)
{
	return rst_anon_made(
		fe,
		eventfd((unsigned int)fe->efd->counter,
			(int)(fe->efd->flags & (O_NONBLOCK | EFD_SEMAPHORE)) | EFD_CLOEXEC),
		fdp);
}

static int rst_open_signalfd(struct rst_ctx *c, const struct rst_task *t, const FileEntry *fe,
			     int *fdp)
{
	return rst_anon_made(fe,
			     (int)syscall(SYS_signalfd4, -1, &fe->sgfd->sigmask, 8,
					  (int)(fe->sgfd->flags & O_NONBLOCK) | O_CLOEXEC),
			     fdp);
}

static int rst_open_tfd(struct rst_ctx *c, const struct rst_task *t, const FileEntry *fe, int *fdp)
{
	return rst_open_timerfd(fe->tfd, fdp);
}

static bool rst_eventfd_check(const FileEntry *fe)
{
	return fe->efd;
}

static bool rst_signalfd_check(const FileEntry *fe)
{
	return fe->sgfd;
}

static bool rst_timerfd_check(const FileEntry *fe)
{
	return fe->tfd;
}

RST_FD_FOWN(rst_eventfd_fown, efd)
RST_FD_FOWN(rst_signalfd_fown, sgfd)
RST_FD_FOWN(rst_timerfd_fown, tfd)

#define RST_ANON(nm, t, open_fn)                                                                   \
	{                                                                                          \
		.name = #nm, .type = t, .check = rst_##nm##_check, .open = open_fn,                \
		.fown = rst_##nm##_fown,                                                           \
	}

const struct fd_rst_ops rst_fd_eventfd = RST_ANON(eventfd, FD_TYPES__EVENTFD, rst_open_eventfd);
const struct fd_rst_ops rst_fd_signalfd = RST_ANON(signalfd, FD_TYPES__SIGNALFD, rst_open_signalfd);
const struct fd_rst_ops rst_fd_timerfd = RST_ANON(timerfd, FD_TYPES__TIMERFD, rst_open_tfd);
