/*
 * Restore: epoll instances. The tool creates each one before forking, like
 * every shared object. An epoll item is keyed by (file, fd number): its
 * number is the one the file had when it was added, which the fd may have
 * lost since (closed, moved, a file held only by another process of the
 * tree). Items whose file the dump found (crl_file_id) are added by a helper
 * the tool forks once every file is open: in its own copy of the tool's fd
 * table it puts each target file at the item's number and adds it there,
 * so every process that shares the instance finds it complete, whatever
 * its own fds. Images without crl_file_id (CRIU's) get their items added by
 * each holder of the instance under its own fds, once they are in place.
 * So do signalfd targets: a signalfd wakes the pollers queued on the signal
 * handlers of the process that added it, which must be a restored process,
 * not the helper (whose exit would drop the item's wait entry); and pidfds,
 * which only the restored processes make.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "restore-fd.h"

/* One item for the helper: the tool's copies of both files and the key number. */
struct ep_op {
	int ep, tgt, tfd;
	uint32_t ep_id, tgt_id;
	struct epoll_event ev;
};

/* What the helper reports on failure. */
struct ep_err {
	size_t op;
	int err;
};

static int rst_open_epoll(struct rst_ctx *c, const struct rst_task *t, const FileEntry *fe,
			  int *fdp)
{
	int fd = epoll_create1(EPOLL_CLOEXEC);

	if (fd < 0) {
		pr_err("epoll file id %u: cannot create: %s", fe->id, strerror(errno));
		return -errno;
	}
	*fdp = fd;
	return 0;
}

/*
 * Items the restored processes add themselves: a signalfd (it wakes the
 * pollers of the process that added it) and a pidfd (made by the process).
 */
static bool rst_epoll_in_process(const FileEntry *tf)
{
	return tf->type == FD_TYPES__SIGNALFD || tf->type == FD_TYPES__PIDFD;
}

/* Whether some process holds both epoll @ep_id and file @id at fd @tfd. */
static bool rst_epoll_self_added(const struct rst_ctx *c, uint32_t ep_id, uint32_t id, uint32_t tfd)
{
	for (size_t i = 0; i < c->nr_tasks; i++) {
		const struct rst_task *t = &c->tasks[i];
		bool ep = false, tgt = false;

		for (size_t j = 0; j < t->nr_fds; j++) {
			ep |= t->fds[j]->id == ep_id;
			tgt |= t->fds[j]->id == id && t->fds[j]->fd == tfd;
		}
		if (ep && tgt)
			return true;
	}
	return false;
}

/* The items with a recorded file, into @ops (malloc'd). 0 or -errno (logged). */
static int rst_epoll_ops(const struct rst_ctx *c, struct ep_op **ops, size_t *n, int *maxtfd)
{
	size_t cap = 0;

	for (size_t i = 0; i < c->nr_files; i++)
		if (c->files[i].fe->type == FD_TYPES__EVENTPOLL && c->files[i].fd >= 0)
			cap += c->files[i].fe->epfd->n_tfd;
	*ops = calloc(cap + 1, sizeof(**ops));
	if (!*ops)
		return -ENOMEM;
	for (size_t i = 0; i < c->nr_files; i++) {
		const struct rst_file *f = &c->files[i];

		if (f->fe->type != FD_TYPES__EVENTPOLL || f->fd < 0)
			continue;
		for (size_t k = 0; k < f->fe->epfd->n_tfd; k++) {
			const EventpollTfdEntry *e = f->fe->epfd->tfd[k];
			int ti = e->has_crl_file_id ? rst_file_index(c, e->crl_file_id) : -1;
			struct ep_op *o = &(*ops)[*n];

			if (!e->has_crl_file_id)
				continue;
			if (ti >= 0 && rst_epoll_in_process(c->files[ti].fe)) {
				if (!rst_epoll_self_added(c, f->fe->id, e->crl_file_id, e->tfd))
					pr_warn("epoll file id %u: its signalfd/pidfd item (fd %u) "
						"is "
						"held at that number by no process holding the "
						"epoll: not restored",
						f->fe->id, e->tfd);
				continue; /* added by the process, rst_epoll_fill */
			}
			if (ti < 0 || c->files[ti].fd < 0) {
				pr_err("epoll file id %u: item fd %u watches file id %u, which no "
				       "process of the images holds",
				       f->fe->id, e->tfd, e->crl_file_id);
				return -EINVAL;
			}
			o->ep = f->fd;
			o->tgt = c->files[ti].fd;
			o->tfd = (int)e->tfd;
			o->ep_id = f->fe->id;
			o->tgt_id = e->crl_file_id;
			o->ev.events = e->events;
			o->ev.data.u64 = e->data;
			if (o->tfd > *maxtfd)
				*maxtfd = o->tfd;
			(*n)++;
		}
	}
	return 0;
}

/* The helper: async-signal-safe calls only (the tool may have threads). */
static void __attribute__((noreturn)) rst_epoll_helper(struct ep_op *ops, size_t n, int base, int w)
{
	struct ep_err e = {0};

	/* Every copy above the highest item number, so no dup2 below clobbers one. */
	for (e.op = 0; e.op < n; e.op++) {
		ops[e.op].ep = fcntl(ops[e.op].ep, F_DUPFD, base);
		ops[e.op].tgt = fcntl(ops[e.op].tgt, F_DUPFD, base);
		if (ops[e.op].ep < 0 || ops[e.op].tgt < 0)
			goto fail;
	}
	for (e.op = 0; e.op < n; e.op++) {
		struct ep_op *o = &ops[e.op];

		if (dup2(o->tgt, o->tfd) != o->tfd ||
		    epoll_ctl(o->ep, EPOLL_CTL_ADD, o->tfd, &o->ev))
			goto fail;
	}
	_exit(0);
fail:
	e.err = errno;
	if (write(w, &e, sizeof(e)) != sizeof(e))
		_exit(2);
	_exit(1);
}

/* Once every file is open: the items with a recorded file, by the helper. Logs. */
static int rst_epoll_targets(struct rst_ctx *c)
{
	struct ep_op *ops = NULL;
	struct ep_err e = {.err = EIO};
	size_t n = 0;
	int maxtfd = -1, p[2], st = 0, ret;
	pid_t pid;

	ret = rst_epoll_ops(c, &ops, &n, &maxtfd);
	if (ret || !n)
		goto out;
	if (pipe2(p, O_CLOEXEC)) {
		ret = -errno;
		goto out;
	}
	pid = fork();
	if (pid == 0)
		rst_epoll_helper(ops, n, maxtfd + 1, p[1]);
	close(p[1]);
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st)) {
		if (pid < 0 || read(p[0], &e, sizeof(e)) != sizeof(e))
			e.op = n;
		ret = -e.err;
		if (e.op < n)
			pr_err("epoll file id %u: cannot add file id %u as fd %d: %s",
			       ops[e.op].ep_id, ops[e.op].tgt_id, ops[e.op].tfd, strerror(e.err));
		else
			pr_err("epoll items: the helper failed (status 0x%x): %s", st,
			       strerror(e.err));
	}
	close(p[0]);
out:
	if (ret == -ENOMEM)
		pr_err("epoll items: %s", strerror(ENOMEM));
	free(ops);
	return ret;
}

static bool rst_eventpoll_check(const FileEntry *fe)
{
	return fe->epfd;
}

RST_FD_FOWN(rst_eventpoll_fown, epfd)

const struct fd_rst_ops rst_fd_eventpoll = {
	.name = "eventpoll",
	.type = FD_TYPES__EVENTPOLL,
	.check = rst_eventpoll_check,
	.open = rst_open_epoll,
	.finish = rst_epoll_targets,
	.fown = rst_eventpoll_fown,
};

/* Whether this process adds item @e itself, and must find its file at e->tfd. */
static bool rst_epoll_mine(const struct rst_ctx *c, const struct rst_task *t,
			   const EventpollTfdEntry *e)
{
	const FileEntry *tf;

	if (!e->has_crl_file_id)
		return true;
	tf = rst_file_entry(c, e->crl_file_id);
	if (!tf || !rst_epoll_in_process(tf))
		return false; /* added by the tool (rst_epoll_targets) */
	for (size_t j = 0; j < t->nr_fds; j++)
		if (t->fds[j]->fd == e->tfd)
			return t->fds[j]->id == e->crl_file_id;
	return false;
}

/*
 * Runs in the new process once its fds are in place, for items without a
 * recorded file (CRIU's images) and signalfd items: added under the
 * recorded numbers, which must then name the file in this process (a
 * signalfd item this process cannot add is another holder's). No logging
 * here; -errno.
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

			if (!rst_epoll_mine(c, t, e))
				continue;
			/* EEXIST: a process sharing this epoll added it already. */
			if (epoll_ctl((int)t->fds[i]->fd, EPOLL_CTL_ADD, (int)e->tfd, &ev) &&
			    errno != EEXIST)
				return -errno;
		}
	}
	return 0;
}
