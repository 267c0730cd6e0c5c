/*
 * Restore: open files. Every open-file object is opened (or created, for
 * pipes) once by the tool before the first fork, so processes that shared a
 * file description share one again (one offset, one pipe). Each new process
 * then installs the descriptors it needs at their recorded numbers. What an
 * object is and how it is made is its fd kind's (rst_fd_kinds, restore-fd.h);
 * nothing here knows one kind from another.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "log.h"
#include "restore-fd.h"

/* Each kind's hook that runs before (@early) or after every other file is open. */
static int rst_files_phase(struct rst_ctx *c, bool early)
{
	int ret = 0;

	for (size_t i = 0; !ret && i < rst_fd_nr_kinds; i++) {
		const struct fd_rst_ops *k = rst_fd_kinds[i];
		int (*fn)(struct rst_ctx *) = early ? k->open_early : k->finish;

		if (fn)
			ret = fn(c);
	}
	return ret;
}

/* The first process holding file @id (none: the root). */
static const struct rst_task *rst_file_holder(const struct rst_ctx *c, uint32_t id)
{
	for (size_t i = 0; i < c->nr_tasks; i++)
		for (size_t j = 0; j < c->tasks[i].nr_fds; j++)
			if (c->tasks[i].fds[j]->id == id)
				return &c->tasks[i];
	return &c->tasks[0];
}

/* The tool's descriptor of file @u->id, which no process holds (in flight). */
static int rst_file_open_unheld(struct rst_ctx *c, const struct rst_unheld *u)
{
	int i = rst_file_index(c, u->id);
	struct rst_file *f = i >= 0 ? &c->files[i] : NULL;
	const struct fd_rst_ops *k = f ? rst_fd_kind(f->fe->type) : NULL;

	if (f && f->fd >= 0)
		return 0;
	if (!f) {
		pr_err("file %u, in flight in file %u, is not in the image set", u->id, u->in);
		return -EINVAL;
	}
	/* A kind made by the process itself (pidfd) has no descriptor of the tool's to send. */
	if (!k || !k->check(f->fe) || k->install) {
		pr_err("file %u (%s), in flight in file %u, cannot be restored", u->id,
		       k ? k->name : "of an unknown kind", u->in);
		return -EOPNOTSUPP;
	}
	return k->open(c, rst_file_holder(c, u->in), f->fe, &f->fd);
}

/* Every kind's files in flight. */
static int rst_files_unheld(struct rst_ctx *c)
{
	int ret = 0;

	for (size_t i = 0; !ret && c->nr_tasks && i < rst_fd_nr_kinds; i++) {
		struct rst_unheld *v = NULL;
		size_t n = 0;

		if (rst_fd_kinds[i]->unheld)
			ret = rst_fd_kinds[i]->unheld(c, &v, &n);
		for (size_t j = 0; !ret && j < n; j++)
			ret = rst_file_open_unheld(c, &v[j]);
		free(v);
	}
	return ret;
}

/*
 * The tool holds every open-file object (files in flight too, each its own
 * description) until the tree exists: its soft RLIMIT_NOFILE goes up to the
 * hard one when they may not fit. A limit of the tool's own; each process
 * gets its recorded limits later.
 */
static void rst_files_room(size_t n)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur >= rl.rlim_max || n + 64 < rl.rlim_cur)
		return;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		pr_warn("restore: %zu files to open, RLIMIT_NOFILE not raised: %s", n,
			strerror(errno));
}

int rst_files_open(struct rst_ctx *c)
{
	int ret;

	rst_files_room(c->nr_files);
	c->files = calloc(c->nr_files ? c->nr_files : 1, sizeof(*c->files));
	if (!c->files)
		return -ENOMEM;
	for (size_t i = 0; i < c->nr_files; i++) {
		c->files[i].fe = c->fentries[i];
		c->files[i].fd = -1;
	}
	ret = rst_files_phase(c, true);
	for (size_t i = 0; !ret && i < c->nr_tasks; i++) {
		const struct rst_task *t = &c->tasks[i];

		for (size_t j = 0; !ret && j < t->nr_fds; j++) {
			struct rst_file *f = &c->files[rst_file_index(c, t->fds[j]->id)];
			const struct fd_rst_ops *k = rst_fd_kind(f->fe->type);

			/* The first process holding a file, an ancestor of the rest, opens it. */
			if (f->fd < 0 && !(k && k->install))
				ret = k ? k->open(c, t, f->fe, &f->fd) : -EOPNOTSUPP;
		}
	}
	if (!ret)
		ret = rst_files_unheld(c);
	return ret ? ret : rst_files_phase(c, false);
}

void rst_files_close(struct rst_ctx *c)
{
	for (size_t i = 0; c->files && i < c->nr_files; i++)
		if (c->files[i].fd >= 0) {
			close(c->files[i].fd);
			c->files[i].fd = -1;
		}
	for (size_t i = 0; i < rst_fd_nr_kinds; i++) {
		const struct fd_rst_ops *k = rst_fd_kinds[i];

		if (k->close && c->fd_state[k->type])
			k->close(c->fd_state[k->type]);
	}
}

void rst_files_fini(struct rst_ctx *c)
{
	rst_files_close(c);
	for (size_t i = 0; i < rst_fd_nr_kinds; i++) {
		const struct fd_rst_ops *k = rst_fd_kinds[i];

		if (k->fini && c->fd_state[k->type])
			k->fini(c->fd_state[k->type]);
		c->fd_state[k->type] = NULL;
	}
}

/* The SIGIO owner and open-file flags of @fe, as its kind records them. */
static const FownEntry *rst_file_fown(const struct rst_ctx *c, const FileEntry *fe, uint32_t *flags)
{
	const struct fd_rst_ops *k = rst_fd_kind(fe->type);

	*flags = 0;
	return k && k->fown ? k->fown(c, fe, flags) : NULL;
}

/*
 * Every process exists now: each description gets its SIGIO owner (pids
 * are the recorded ones) and signal back, set through the tool's copy. The
 * owner's credentials become the tool's (root), which the kernel's
 * permission check always lets through. An owner that is gone (outside the
 * tree, on another host) only warns.
 */
int rst_files_owners(struct rst_ctx *c)
{
	for (size_t i = 0; c->files && i < c->nr_files; i++) {
		const struct rst_file *f = &c->files[i];
		uint32_t flags;
		const FownEntry *o = f->fd >= 0 ? rst_file_fown(c, f->fe, &flags) : NULL;
		struct f_owner_ex ow;
		int err;

		if (!o || (!o->pid && !o->signum))
			continue;
		ow.type = (int)o->pid_type;
		ow.pid = (pid_t)o->pid;
		if (o->pid && fcntl(f->fd, F_SETOWN_EX, &ow)) {
			err = errno;
			if (err != ESRCH) {
				pr_err("file %u: owner %s %d: %s", f->fe->id,
				       ow.type == F_OWNER_PGRP ? "group" : "pid", ow.pid,
				       strerror(err));
				return -err;
			}
			pr_warn("file %u: its owner %d is gone: no SIGIO for it", f->fe->id,
				ow.pid);
		}
		if (o->signum && fcntl(f->fd, F_SETSIG, (int)o->signum)) {
			err = errno;
			pr_err("file %u: F_SETSIG %u: %s", f->fe->id, o->signum, strerror(err));
			return -err;
		}
	}
	return 0;
}

/*
 * O_ASYNC set at open or by the tool registered nothing, or registered the
 * tool's fd number (the si_fd of a F_SETSIG signal): turned off and on
 * again here, through the process's own descriptor.
 */
static int rst_fd_async(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_ASYNC) || fcntl(fd, F_SETFL, fl | O_ASYNC))
		return -errno;
	return 0;
}

/*
 * Runs in the new process (tool code, before it pauses): moves every source
 * fd above the highest target number, dup3s them into place, closes the rest.
 */
int rst_files_install(const struct rst_ctx *c, const struct rst_task *t)
{
	int maxfd = -1, *tmp = malloc((t->nr_fds + 1) * sizeof(int));

	if (!tmp)
		return -ENOMEM;

	for (size_t i = 0; i < t->nr_fds; i++)
		if ((int)t->fds[i]->fd > maxfd)
			maxfd = (int)t->fds[i]->fd;
	for (size_t i = 0; i < t->nr_fds; i++) {
		const struct rst_file *f = &c->files[rst_file_index(c, t->fds[i]->id)];
		const struct fd_rst_ops *k = rst_fd_kind(f->fe->type);
		int src = f->fd, ret = 0;

		/* a kind made here (pidfd): then moved up like the tool's copies */
		if (k && k->install)
			ret = k->install(c, f->fe, &src);
		if (ret)
			return ret;
		tmp[i] = fcntl(src, F_DUPFD_CLOEXEC, maxfd + 1);
		if (tmp[i] < 0)
			return -errno; /* the process is killed: no cleanup needed */
		if (k && k->install)
			close(src);
	}
	for (size_t i = 0; i < t->nr_fds; i++) {
		int fl = (t->fds[i]->flags & FD_CLOEXEC) ? O_CLOEXEC : 0, ret = 0;
		uint32_t flags;

		if (dup3(tmp[i], (int)t->fds[i]->fd, fl) < 0)
			return -errno;
		rst_file_fown(c, c->files[rst_file_index(c, t->fds[i]->id)].fe, &flags);
		if (flags & O_ASYNC)
			ret = rst_fd_async((int)t->fds[i]->fd);
		if (ret)
			return ret;
	}
	for (int fd = 0; fd <= maxfd; fd++) {
		bool keep = false;

		for (size_t i = 0; i < t->nr_fds && !keep; i++)
			keep = (int)t->fds[i]->fd == fd;
		if (!keep)
			close(fd);
	}
	free(tmp);
	close_range((unsigned int)maxfd + 1, ~0u, 0);
	return 0;
}
