/*
 * Restore: file objects other than regular files and pipes, created by the
 * tool before forking like every shared object: eventfd (counter), signalfd
 * (mask), timerfd (clock, remaining time, interval, ticks) and FIFOs (opened
 * by path; a helper O_RDWR descriptor keeps both ends openable and takes the
 * buffered data back from fifo-data.img), epoll (its targets are added by the
 * process itself once its fds are in place).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "log.h"
#include "restore.h"

#ifndef TFD_IOC_SET_TICKS
#define TFD_IOC_SET_TICKS _IOW('T', 0, uint64_t)
#endif

bool rst_fdkind_supported(const FileEntry *fe)
{
	switch (fe->type) {
	case FD_TYPES__REG:
		return fe->reg;
	case FD_TYPES__PIPE:
		return fe->pipe;
	case FD_TYPES__EVENTFD:
		return fe->efd;
	case FD_TYPES__SIGNALFD:
		return fe->sgfd;
	case FD_TYPES__TIMERFD:
		return fe->tfd;
	case FD_TYPES__FIFO:
		return fe->fifo && fe->fifo->has_regf_id;
	case FD_TYPES__EVENTPOLL:
		return fe->epfd;
	case FD_TYPES__UNIXSK:
		return rst_unix_supported(fe);
	case FD_TYPES__INETSK:
		return rst_inet_supported(fe);
	case FD_TYPES__TTY:
		return rst_tty_supported(fe);
	case FD_TYPES__MEMFD:
		return fe->memfd;
	default:
		return false;
	}
}

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

static struct rst_pipe *rst_fifo_get(struct rst_ctx *c, const char *path, uint32_t pipe_id)
{
	struct rst_pipe *p;

	for (size_t i = 0; i < c->nr_fifos; i++)
		if (c->fifos[i].pipe_id == pipe_id)
			return &c->fifos[i];
	p = realloc(c->fifos, (c->nr_fifos + 1) * sizeof(*p));
	if (!p)
		return NULL;
	c->fifos = p;
	p = &c->fifos[c->nr_fifos];
	p->fds[0] = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (p->fds[0] < 0) {
		pr_err("fifo '%s': cannot open: %s", path, strerror(errno));
		return NULL;
	}
	p->fds[1] = dup(p->fds[0]);
	p->pipe_id = pipe_id;
	c->nr_fifos++;
	return p;
}

static int rst_open_fifo(struct rst_ctx *c, const FifoEntry *f, int *fdp)
{
	const FileEntry *reg = rst_file_entry(c, f->regf_id);
	int fd, flags;

	if (!reg || !reg->reg) {
		pr_err("fifo %u: its path (file id %u) is not in files.img", f->id, f->regf_id);
		return -EINVAL;
	}
	if (!rst_fifo_get(c, reg->reg->name, f->pipe_id))
		return -EIO;
	flags = (int)reg->reg->flags & ~(O_CREAT | O_TRUNC | O_EXCL | O_NOCTTY);
	/* Non-blocking while the helper holds both ends; the real flags after. */
	fd = open(reg->reg->name, flags | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		pr_err("fifo '%s': cannot open: %s", reg->reg->name, strerror(errno));
		return -errno;
	}
	if (!(flags & O_NONBLOCK))
		fcntl(fd, F_SETFL, flags & ~O_ACCMODE);
	*fdp = fd;
	return 0;
}

int rst_open_fdkind(struct rst_ctx *c, const FileEntry *fe, int *fdp)
{
	int fd, ret = 0;

	switch (fe->type) {
	case FD_TYPES__EVENTFD:
		fd = eventfd((unsigned int)fe->efd->counter,
			     (int)(fe->efd->flags & (O_NONBLOCK | EFD_SEMAPHORE)) | EFD_CLOEXEC);
		break;
	case FD_TYPES__SIGNALFD:
		fd = (int)syscall(SYS_signalfd4, -1, &fe->sgfd->sigmask, 8,
				  (int)(fe->sgfd->flags & O_NONBLOCK) | O_CLOEXEC);
		break;
	case FD_TYPES__TIMERFD:
		return rst_open_timerfd(fe->tfd, fdp);
	case FD_TYPES__EVENTPOLL:
		fd = epoll_create1(EPOLL_CLOEXEC); /* its targets are added in the process */
		break;
	case FD_TYPES__UNIXSK:
		return rst_unix_open(c, fe, fdp);
	case FD_TYPES__INETSK:
		return rst_inet_open(c, fe, fdp);
	case FD_TYPES__TTY:
		return rst_tty_open(c, fe, fdp);
	case FD_TYPES__MEMFD:
		return rst_memfd_open(c, fe, fdp);
	case FD_TYPES__FIFO:
		return rst_open_fifo(c, fe->fifo, fdp);
	default:
		return -EOPNOTSUPP;
	}
	if (fd < 0) {
		ret = -errno;
		pr_err("file id %u (type %d): cannot create: %s", fe->id, fe->type, strerror(-ret));
		return ret;
	}
	*fdp = fd;
	return 0;
}

/*
 * Runs in the new process once its fds are in place: an epoll item is keyed
 * by (file, fd number), so targets are added under the recorded numbers.
 * No logging here; -errno.
 */
int rst_epoll_fill(const struct rst_ctx *c, const struct rst_task *t)
{
	for (size_t i = 0; i < t->nr_fds; i++) {
		const FileEntry *fe = rst_file_entry(c, t->fds[i]->id);

		if (fe->type != FD_TYPES__EVENTPOLL)
			continue;
		for (size_t k = 0; k < fe->epfd->n_tfd; k++) {
			const EventpollTfdEntry *e = fe->epfd->tfd[k];
			struct epoll_event ev = {.events = e->events, .data.u64 = e->data};

			/* EEXIST: a process sharing this epoll added it already. */
			if (epoll_ctl((int)t->fds[i]->fd, EPOLL_CTL_ADD, (int)e->tfd, &ev) &&
			    errno != EEXIST)
				return -errno;
		}
	}
	return 0;
}
