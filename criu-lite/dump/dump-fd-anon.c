/*
 * anon_inode fds whose whole state /proc/PID/fdinfo shows: eventfd (counter),
 * signalfd (mask), timerfd (clock, settings, ticks); eventpoll has its own
 * file (dump-fd-epoll.c). Any other anon_inode (inotify, fanotify,
 * userfaultfd, pidfd, io_uring...) is refused. Three kinds and a refusal,
 * told apart by their link text.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>

#include "dump-files.h"
#include "proc-maps.h"
#include "log.h"

/* Each of the three kinds' state: the entry being built. */
struct anon_state {
	EventfdFileEntry efd;
	SignalfdEntry sfd;
	TimerfdEntry tfd;
};

static int anon_init(struct dump_ctx *ctx, void **st)
{
	*st = calloc(1, sizeof(struct anon_state));
	return *st ? 0 : -ENOMEM;
}

static void anon_fini(void *st)
{
	struct anon_state *s = st;

	if (!s)
		return;
	free(s);
}

static unsigned int file_flags(const struct fd_desc *d)
{
	return d->fi.flags & ~O_CLOEXEC;
}

/* "eventfd-semaphore: 1" (6.6+ fdinfo): EFD_SEMAPHORE mode. */
static bool eventfd_semaphore(const struct fd_desc *d)
{
	char path[64], *buf = NULL;
	size_t len;
	bool sem;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", d->pid, d->fd);
	if (proc_read_file(path, &buf, &len))
		return false;
	sem = strstr(buf, "eventfd-semaphore:\t1") || strstr(buf, "eventfd-semaphore: 1");
	free(buf);
	return sem;
}

static int fd_eventfd(struct dump_ctx *ctx, void *st, struct fd_desc *d, FileEntry *fe)
{
	struct anon_state *b = st;

	eventfd_file_entry__init(&b->efd);
	if (!d->fi.has_eventfd)
		return dump_fd_unsupported(d, "eventfd without a counter in fdinfo");
	b->efd.id = fe->id;
	/* An eventfd file is O_RDWR: bit 0 (EFD_SEMAPHORE) is free to carry the mode. */
	b->efd.flags = file_flags(d) | (eventfd_semaphore(d) ? EFD_SEMAPHORE : 0);
	b->efd.fown = d->fown;
	b->efd.counter = d->fi.eventfd_count;
	fe->type = FD_TYPES__EVENTFD;
	fe->efd = &b->efd;
	return 0;
}

static int fd_signalfd(struct dump_ctx *ctx, void *st, struct fd_desc *d, FileEntry *fe)
{
	struct anon_state *b = st;

	signalfd_entry__init(&b->sfd);
	if (!d->fi.has_signalfd)
		return dump_fd_unsupported(d, "signalfd without a mask in fdinfo");
	b->sfd.id = fe->id;
	b->sfd.flags = file_flags(d);
	b->sfd.fown = d->fown;
	b->sfd.sigmask = d->fi.sigmask;
	fe->type = FD_TYPES__SIGNALFD;
	fe->sgfd = &b->sfd;
	return 0;
}

static int fd_timerfd(struct dump_ctx *ctx, void *st, struct fd_desc *d, FileEntry *fe)
{
	TimerfdEntry *t = &((struct anon_state *)st)->tfd;

	timerfd_entry__init(t);
	if (!d->fi.has_timerfd)
		return dump_fd_unsupported(d, "timerfd without settings in fdinfo");
	t->id = fe->id;
	t->flags = file_flags(d);
	t->fown = d->fown;
	t->clockid = (uint32_t)d->fi.clockid;
	t->ticks = d->fi.ticks;
	t->settime_flags = d->fi.settime_flags;
	t->vsec = d->fi.it_value_sec;
	t->vnsec = d->fi.it_value_nsec;
	/*
	 * An expired periodic timer whose ticks were not read yet shows it_value
	 * (0, 0) until the read re-arms it; (0, 0) would disarm it at restore.
	 * Its next expiry is at most one interval away: record that.
	 */
	if (!t->vsec && !t->vnsec) {
		t->vsec = d->fi.it_interval_sec;
		t->vnsec = d->fi.it_interval_nsec;
	}
	t->isec = d->fi.it_interval_sec;
	t->insec = d->fi.it_interval_nsec;
	fe->type = FD_TYPES__TIMERFD;
	fe->tfd = t;
	return 0;
}

int dump_fd_anon_is(const struct fd_desc *d, const char *what)
{
	return !strncmp(d->path, "anon_inode:", 11) && !strcmp(d->path + 11, what);
}

static int eventfd_match(const struct fd_desc *d)
{
	return dump_fd_anon_is(d, "[eventfd]");
}

static int signalfd_match(const struct fd_desc *d)
{
	return dump_fd_anon_is(d, "[signalfd]");
}

static int timerfd_match(const struct fd_desc *d)
{
	return dump_fd_anon_is(d, "[timerfd]");
}

#define ANON_KIND(nm, t, fn)                                                                       \
	{                                                                                          \
		.name = #nm, .type = t, .init = anon_init, .match = nm##_match, .dump = fn,        \
		.fini = anon_fini,                                                                 \
	}

const struct fd_dump_ops dump_fd_eventfd = ANON_KIND(eventfd, FD_TYPES__EVENTFD, fd_eventfd);
const struct fd_dump_ops dump_fd_signalfd = ANON_KIND(signalfd, FD_TYPES__SIGNALFD, fd_signalfd);
const struct fd_dump_ops dump_fd_timerfd = ANON_KIND(timerfd, FD_TYPES__TIMERFD, fd_timerfd);

static int anon_other_match(const struct fd_desc *d)
{
	return !strncmp(d->path, "anon_inode:", 11);
}

static int anon_other_dump(struct dump_ctx *ctx, void *st, struct fd_desc *d, FileEntry *fe)
{
	return dump_fd_unsupported(d, d->path);
}

/* Every other anon_inode: refused, named by its link text. */
const struct fd_dump_ops dump_fd_anon_other = {
	.name = "anon_inode",
	.type = FD_TYPES__UND,
	.match = anon_other_match,
	.dump = anon_other_dump,
};
