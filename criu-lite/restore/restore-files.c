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
 * description) until the tree exists, and each new process puts its fds at
 * their recorded numbers with the tool's limit: the soft RLIMIT_NOFILE goes up
 * to the hard one when they may not fit. A limit of the tool's own; each
 * process gets its recorded limits later. A number at or above the hard
 * limit cannot be had: refused, naming it.
 */
static int rst_files_room(const struct rst_ctx *c)
{
	const struct rst_task *top_t = NULL;
	size_t need = c->nr_files + 64;
	uint32_t top = 0;
	struct rlimit rl;

	for (size_t i = 0; i < c->nr_tasks; i++)
		for (size_t j = 0; j < c->tasks[i].nr_fds; j++)
			if (!top_t || c->tasks[i].fds[j]->fd > top) {
				top = c->tasks[i].fds[j]->fd;
				top_t = &c->tasks[i];
			}
	if (getrlimit(RLIMIT_NOFILE, &rl))
		return 0;
	if (top_t && top >= rl.rlim_max) {
		pr_err("restore of pid %d: fd %u is not below the hard RLIMIT_NOFILE of the "
		       "restore "
		       "(%llu): raise it (ulimit -Hn) and restore again",
		       top_t->pid, top, (unsigned long long)rl.rlim_max);
		return -EMFILE;
	}
	if (top_t && top + 1 > need)
		need = top + 1;
	if (rl.rlim_cur >= rl.rlim_max || need < rl.rlim_cur)
		return 0;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		pr_warn("restore: %zu files to open, fds up to %u, RLIMIT_NOFILE not raised: %s",
			c->nr_files, top, strerror(errno));
	return 0;
}

/*
 * --inherit-fd (RPC inherit_fd): the caller's fd stands for a dumped file
 * that lies outside the tree, named as criu names it: "pipe:[INODE]" for a
 * pipe (runc's stdio pipes), else a regular file's path without its leading
 * '/'. 1 with *@fd a duplicate of it, 0 when no key names @fe, or -errno.
 */
static int rst_file_inherited(const struct rst_ctx *c, const FileEntry *fe, int *fd)
{
	char key[64];
	const char *name = key;

	if (fe->type == FD_TYPES__PIPE && fe->pipe)
		snprintf(key, sizeof(key), "pipe:[%u]", fe->pipe->pipe_id);
	else if (fe->type == FD_TYPES__REG && fe->reg && fe->reg->name)
		name = fe->reg->name + (fe->reg->name[0] == '/');
	else
		return 0;
	for (int i = 0; i < c->o->n_inherit; i++) {
		if (strcmp(c->o->inherit[i].key, name))
			continue;
		*fd = fcntl(c->o->inherit[i].fd, F_DUPFD_CLOEXEC, 0);
		if (*fd < 0) {
			int e = errno;

			pr_err("inherit fd[%d] for '%s' (file id %u): %s", c->o->inherit[i].fd,
			       name, fe->id, strerror(e));
			return -e;
		}
		pr_info("file id %u ('%s') is the caller's fd %d", fe->id, name,
			c->o->inherit[i].fd);
		return 1;
	}
	return 0;
}

int rst_files_open(struct rst_ctx *c)
{
	int ret = rst_files_room(c);

	if (ret)
		return ret;
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
			if (f->fd >= 0 || (k && k->install))
				continue;
			ret = rst_file_inherited(c, f->fe, &f->fd);
			f->inherited = ret > 0;
			if (!ret)
				ret = k ? k->open(c, t, f->fe, &f->fd) : -EOPNOTSUPP;
			else if (ret > 0)
				ret = 0;
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

/* A kind made by the process itself (pidfd), now that the moved fds are in place. */
static int rst_fd_make(const struct rst_ctx *c, const FileEntry *fe, const struct rst_fd_move *m)
{
	const struct fd_rst_ops *k = rst_fd_kind(fe->type);
	int fd = -1, ret = k->install(c, fe, &fd);

	if (ret)
		return ret;
	if (fd == m->dst)
		return fcntl(fd, F_SETFD, m->cloexec ? FD_CLOEXEC : 0) ? -errno : 0;
	ret = dup3(fd, m->dst, m->cloexec ? O_CLOEXEC : 0) < 0 ? -errno : 0;
	close(fd);
	return ret;
}

static int rst_int_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return x < y ? -1 : x > y;
}

/* Closes every fd but the @n of @m (the tool's copies and its own files). */
static int rst_files_close_others(const struct rst_fd_move *m, size_t n)
{
	int *keep = malloc((n + 1) * sizeof(int));
	unsigned int from = 0;

	if (!keep)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		keep[i] = m[i].dst;
	qsort(keep, n, sizeof(*keep), rst_int_cmp);
	for (size_t i = 0; i < n; i++) {
		if ((unsigned int)keep[i] > from)
			close_range(from, (unsigned int)keep[i] - 1, 0);
		from = (unsigned int)keep[i] + 1;
	}
	close_range(from, ~0u, 0);
	free(keep);
	return 0;
}

/*
 * Runs in the new process (tool code, before it pauses): the tool's copies
 * go to their recorded numbers (rst_fd_move: never two copies of the set, so
 * what fits the process's limit restores), the kinds it makes itself follow,
 * every other fd is closed. The soft RLIMIT_NOFILE is the tool's, raised to
 * the hard one when a number needs it (rst_files_room).
 */
int rst_files_install(const struct rst_ctx *c, const struct rst_task *t)
{
	struct rst_fd_move *m = calloc(t->nr_fds + 1, sizeof(*m));
	int ret = m ? 0 : -ENOMEM;

	for (size_t i = 0; !ret && i < t->nr_fds; i++) {
		const struct rst_file *f = &c->files[rst_file_index(c, t->fds[i]->id)];
		const struct fd_rst_ops *k = rst_fd_kind(f->fe->type);

		m[i].dst = (int)t->fds[i]->fd;
		m[i].cloexec = t->fds[i]->flags & FD_CLOEXEC;
		m[i].src = k && k->install ? -1 : f->fd;
		if (m[i].src < 0 && !(k && k->install))
			ret = -EBADF;
	}
	if (!ret)
		ret = rst_fd_move(m, t->nr_fds);
	for (size_t i = 0; !ret && i < t->nr_fds; i++)
		if (m[i].src < 0)
			ret = rst_fd_make(c, c->files[rst_file_index(c, t->fds[i]->id)].fe, &m[i]);
	if (!ret)
		ret = rst_files_close_others(m, t->nr_fds);
	for (size_t i = 0; !ret && i < t->nr_fds; i++) {
		uint32_t flags;

		rst_file_fown(c, c->files[rst_file_index(c, t->fds[i]->id)].fe, &flags);
		if (flags & O_ASYNC)
			ret = rst_fd_async((int)t->fds[i]->fd);
	}
	free(m);
	return ret; /* on failure the process is killed: no cleanup needed */
}
