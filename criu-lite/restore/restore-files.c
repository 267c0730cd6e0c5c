/*
 * Restore: open files. Every open-file object is opened (or created, for
 * pipes) once by the tool before the first fork, so processes that shared a
 * file description share one again (one offset, one pipe). Each new process
 * then installs the descriptors it needs at their recorded numbers.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "restore.h"

#include "ghost-file.pb-c.h"
#include "pipe-data.pb-c.h"

#ifndef F_SETPIPE_SZ
#define F_SETPIPE_SZ 1031
#endif

/* An unlinked file's saved content (ghost-file-ID.img), read with the tool's rights. */
struct rst_ghost {
	GhostFileEntry *g; /* NULL: the file is not a ghost */
	char *data;
};

static int rst_ghost_load(struct rst_ctx *c, const FileEntry *fe, struct rst_ghost *gh)
{
	struct img *img;
	int ret = img_open(&c->dir, IMG_GHOST_FILE, fe->id, false, &img);

	if (ret)
		return ret;
	ret = img_read_msg(img, &ghost_file_entry__descriptor, (ProtobufCMessage **)&gh->g);
	if (ret == 1) {
		gh->data = malloc(gh->g->size ? gh->g->size : 1);
		ret = gh->data ? img_read_raw(img, gh->data, gh->g->size) : -ENOMEM;
	} else if (ret == 0) {
		pr_err("image '%s': no entry", img->path);
		ret = -EINVAL;
	}
	img_close(img);
	return ret;
}

static void rst_ghost_free(struct rst_ghost *gh)
{
	if (gh->g)
		img_free_msg(&gh->g->base);
	free(gh->data);
}

/* Writes the saved content of an unlinked file to @path (created, must not exist). */
static int rst_ghost_create(const struct rst_ghost *gh, const char *path)
{
	const GhostFileEntry *g = gh->g;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, g->mode & 07777);
	struct stat st;
	int ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, gh->data, g->size) != (ssize_t)g->size)
		ret = -EIO;
	/* Created with the task's rights: chown only when that made another owner. */
	if (!ret && fstat(fd, &st))
		ret = -errno;
	if (!ret && (st.st_uid != g->uid || st.st_gid != g->gid) && fchown(fd, g->uid, g->gid))
		ret = -errno;
	close(fd);
	return ret;
}

/*
 * An unlinked-but-open file: recreated under its old name (or a free name
 * next to it), opened like any file, unlinked again.
 */
static int rst_open_ghost(const FileEntry *fe, const struct rst_ghost *gh, int flags, int *fdp)
{
	const char *name = fe->reg->name;
	char path[4200];
	int ret, fd = -1;

	snprintf(path, sizeof(path), "%s", name);
	for (int i = 0; access(path, F_OK) == 0 && i < 100; i++)
		snprintf(path, sizeof(path), "%s.crl-ghost.%d", name, i);
	ret = rst_ghost_create(gh, path);
	if (!ret) {
		fd = open(path, flags | O_CLOEXEC);
		ret = fd < 0 ? -errno : 0;
		unlink(path);
	}
	if (ret) {
		pr_err("unlinked file '%s' (id %u): cannot recreate it: %s", name, fe->id,
		       strerror(-ret));
		return ret;
	}
	*fdp = fd;
	return 0;
}

static int rst_open_reg(const FileEntry *fe, const struct rst_ghost *gh, int *fdp)
{
	const RegFileEntry *r = fe->reg;
	int flags = (int)r->flags & ~(O_CREAT | O_TRUNC | O_EXCL | O_NOCTTY);
	struct stat st;
	int fd, ret;

	if (gh->g) {
		ret = rst_open_ghost(fe, gh, flags, &fd);
		if (ret)
			return ret;
		goto seek;
	}
	fd = open(r->name, flags | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		if (ret == -ENOENT)
			pr_err("file '%s' (id %u) vanished since the dump", r->name, fe->id);
		else
			pr_err("file '%s' (id %u): cannot open: %s", r->name, fe->id,
			       strerror(-ret));
		return ret;
	}
	if (r->has_size && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    (uint64_t)st.st_size != r->size) {
		pr_err("file '%s' (id %u) changed size since the dump: %llu bytes, was %llu",
		       r->name, fe->id, (unsigned long long)st.st_size,
		       (unsigned long long)r->size);
		close(fd);
		return -ESTALE;
	}
seek:
	if (lseek(fd, (off_t)r->pos, SEEK_SET) < 0 && errno != ESPIPE) {
		ret = -errno;
		pr_err("file '%s' (id %u): seek to %llu: %s", r->name, fe->id,
		       (unsigned long long)r->pos, strerror(-ret));
		close(fd);
		return ret;
	}
	*fdp = fd;
	return 0;
}

static struct rst_pipe *rst_pipe_get(struct rst_ctx *c, uint32_t pipe_id)
{
	struct rst_pipe *p;

	for (size_t i = 0; i < c->nr_pipes; i++)
		if (c->pipes[i].pipe_id == pipe_id)
			return &c->pipes[i];
	p = realloc(c->pipes, (c->nr_pipes + 1) * sizeof(*p));
	if (!p)
		return NULL;
	c->pipes = p;
	p = &c->pipes[c->nr_pipes];
	if (pipe2(p->fds, O_CLOEXEC)) {
		pr_err("pipe %u: cannot create: %s", pipe_id, strerror(errno));
		return NULL;
	}
	p->pipe_id = pipe_id;
	c->nr_pipes++;
	return p;
}

static int rst_open_pipe(struct rst_ctx *c, const FileEntry *fe, int *fdp)
{
	const PipeEntry *pe = fe->pipe;
	struct rst_pipe *p = rst_pipe_get(c, pe->pipe_id);
	int end, fd;

	if (!p)
		return -ENOMEM;
	end = (pe->flags & O_ACCMODE) == O_RDONLY ? 0 : 1;
	/* A separate description per file id, as two opens of a FIFO would give. */
	fd = fcntl(p->fds[end], F_DUPFD_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	*fdp = fd;
	return 0;
}

/* Puts the buffered bytes back into each pipe (pipes-data.img). */
static int rst_pipes_refill(struct rst_ctx *c, enum img_kind kind, struct rst_pipe *pipes,
			    size_t nr_pipes)
{
	ProtobufCMessage *m;
	struct img *img;
	char *buf = NULL;
	int ret;

	ret = img_open(&c->dir, kind, 0, false, &img);
	if (ret == -ENOENT)
		return 0;
	if (ret)
		return ret;
	while ((ret = img_read_msg(img, &pipe_data_entry__descriptor, &m)) == 1) {
		PipeDataEntry *pd = (PipeDataEntry *)m;
		struct rst_pipe *p = NULL;

		for (size_t i = 0; i < nr_pipes; i++)
			if (pipes[i].pipe_id == pd->pipe_id)
				p = &pipes[i];
		free(buf);
		buf = malloc(pd->bytes ? pd->bytes : 1);
		ret = buf ? img_read_raw(img, buf, pd->bytes) : -ENOMEM;
		if (!ret && p && pd->has_size && pd->size &&
		    fcntl(p->fds[1], F_SETPIPE_SZ, pd->size) < 0)
			pr_warn("pipe %u: cannot set size %u: %s", pd->pipe_id, pd->size,
				strerror(errno));
		if (!ret && p && pd->bytes && write(p->fds[1], buf, pd->bytes) != pd->bytes) {
			ret = -EIO;
			pr_err("pipe %u: cannot refill %u bytes: %s", pd->pipe_id, pd->bytes,
			       strerror(errno));
		}
		img_free_msg(m);
		if (ret)
			break;
	}
	free(buf);
	img_close(img);
	return ret < 0 ? ret : 0;
}

static int rst_file_index(const struct rst_ctx *c, uint32_t id)
{
	for (size_t i = 0; i < c->nr_files; i++)
		if (c->fentries[i]->id == id)
			return (int)i;
	return -1;
}

/*
 * A file opened by path, with the rights of the task it is opened for
 * (restore-rights.c); its ghost image, if any, is read with the tool's.
 */
struct rst_path_open {
	struct rst_ctx *c;
	const FileEntry *fe;
	struct rst_ghost gh;
	int *fd;
};

static int rst_path_open(void *arg)
{
	struct rst_path_open *p = arg;

	if (p->fe->type == FD_TYPES__REG)
		return rst_open_reg(p->fe, &p->gh, p->fd);
	return rst_open_fdkind(p->c, p->fe, p->fd); /* a FIFO */
}

static int rst_open_as(struct rst_ctx *c, const struct rst_task *t, const FileEntry *fe, int *fd)
{
	struct rst_path_open p = {c, fe, {NULL, NULL}, fd};
	struct rst_rights r;
	char ghost[64];
	int ret = 0;

	snprintf(ghost, sizeof(ghost), "ghost-file-%x.img", fe->id);
	if (fe->type == FD_TYPES__REG &&
	    faccessat(c->dir.fd, ghost, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		ret = rst_ghost_load(c, fe, &p.gh);
	rst_rights_of(c, t, &r);
	if (!ret)
		ret = rst_rights_run(&r, rst_path_open, &p);
	rst_ghost_free(&p.gh);
	return ret;
}

const char *rst_file_map_path(struct rst_ctx *c, const struct rst_task *t, const FileEntry *fe,
			      char *buf, size_t len)
{
	char ghost[64];
	int i;

	snprintf(ghost, sizeof(ghost), "ghost-file-%x.img", fe->id);
	if (faccessat(c->dir.fd, ghost, F_OK, 0))
		return fe->reg->name;
	i = rst_file_index(c, fe->id);
	if (i < 0 || !c->files)
		return NULL;
	if (c->files[i].fd < 0 && rst_open_as(c, t, fe, &c->files[i].fd))
		return NULL;
	snprintf(buf, len, "/proc/%d/fd/%d", (int)getpid(), c->files[i].fd);
	return buf;
}

int rst_files_open(struct rst_ctx *c)
{
	int ret;

	c->files = calloc(c->nr_files ? c->nr_files : 1, sizeof(*c->files));
	if (!c->files)
		return -ENOMEM;
	for (size_t i = 0; i < c->nr_files; i++) {
		c->files[i].fe = c->fentries[i];
		c->files[i].fd = -1;
	}
	ret = rst_inet_listeners_open(c);
	if (!ret)
		ret = rst_unix_bound_open(c);
	if (ret)
		return ret;
	for (size_t i = 0; i < c->nr_tasks; i++) {
		const struct rst_task *t = &c->tasks[i];

		for (size_t j = 0; j < t->nr_fds; j++) {
			struct rst_file *f = &c->files[rst_file_index(c, t->fds[j]->id)];

			if (f->fd >= 0)
				continue;
			/* The first process holding a file, an ancestor of the rest, opened it. */
			if ((f->fe->type == FD_TYPES__REG && f->fe->reg) ||
			    f->fe->type == FD_TYPES__FIFO)
				ret = rst_open_as(c, t, f->fe, &f->fd);
			else if (f->fe->type == FD_TYPES__PIPE && f->fe->pipe)
				ret = rst_open_pipe(c, f->fe, &f->fd);
			else
				ret = rst_open_fdkind(c, f->fe, &f->fd);
			if (ret)
				return ret;
		}
	}
	ret = rst_pipes_refill(c, IMG_PIPES_DATA, c->pipes, c->nr_pipes);
	if (!ret)
		ret = rst_pipes_refill(c, IMG_FIFO_DATA, c->fifos, c->nr_fifos);
	if (!ret)
		ret = rst_unix_finish(c);
	if (!ret)
		ret = rst_tcp_finish(c);
	if (ret)
		return ret;
	/* O_NONBLOCK and friends only once the data is back in. */
	for (size_t i = 0; i < c->nr_files; i++) {
		struct rst_file *f = &c->files[i];

		if (f->fd >= 0 && f->fe->type == FD_TYPES__PIPE)
			fcntl(f->fd, F_SETFL, (int)f->fe->pipe->flags & ~O_ACCMODE);
	}
	return 0;
}

void rst_files_close(struct rst_ctx *c)
{
	for (size_t i = 0; c->files && i < c->nr_files; i++)
		if (c->files[i].fd >= 0) {
			close(c->files[i].fd);
			c->files[i].fd = -1;
		}
	for (size_t i = 0; i < c->nr_pipes; i++) {
		close(c->pipes[i].fds[0]);
		close(c->pipes[i].fds[1]);
	}
	free(c->pipes);
	c->pipes = NULL;
	c->nr_pipes = 0;
	for (size_t i = 0; i < c->nr_fifos; i++) {
		close(c->fifos[i].fds[0]);
		close(c->fifos[i].fds[1]);
	}
	free(c->fifos);
	c->fifos = NULL;
	c->nr_fifos = 0;
}

/*
 * The fields every kind of file entry carries: its SIGIO owner and signal
 * (the return value, NULL for kinds without) and its open-file flags
 * (*flags, 0 if unknown; a FIFO's are those of its path's REG entry).
 */
static const FownEntry *rst_file_common(const struct rst_ctx *c, const FileEntry *fe,
					uint32_t *flags)
{
#define RST_KIND(type, field)                                  \
	case type:                                             \
		*flags = fe->field ? fe->field->flags : 0;     \
		return fe->field ? fe->field->fown : NULL
	switch (fe->type) {
	RST_KIND(FD_TYPES__REG, reg);
	RST_KIND(FD_TYPES__PIPE, pipe);
	RST_KIND(FD_TYPES__EVENTFD, efd);
	RST_KIND(FD_TYPES__SIGNALFD, sgfd);
	RST_KIND(FD_TYPES__TIMERFD, tfd);
	RST_KIND(FD_TYPES__EVENTPOLL, epfd);
	RST_KIND(FD_TYPES__UNIXSK, usk);
	RST_KIND(FD_TYPES__INETSK, isk);
	RST_KIND(FD_TYPES__TTY, tty);
	RST_KIND(FD_TYPES__MEMFD, memfd);
	case FD_TYPES__FIFO: {
		int i = fe->fifo && fe->fifo->has_regf_id ? rst_file_index(c, fe->fifo->regf_id) : -1;

		*flags = i >= 0 && c->fentries[i]->reg ? c->fentries[i]->reg->flags : 0;
		return NULL;
	}
	default:
		*flags = 0;
		return NULL;
	}
#undef RST_KIND
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
		const FownEntry *o = f->fd >= 0 ? rst_file_common(c, f->fe, &flags) : NULL;
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
			pr_warn("file %u: its owner %d is gone: no SIGIO for it", f->fe->id, ow.pid);
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
		int src = c->files[rst_file_index(c, t->fds[i]->id)].fd;

		tmp[i] = fcntl(src, F_DUPFD_CLOEXEC, maxfd + 1);
		if (tmp[i] < 0)
			return -errno; /* the process is killed: no cleanup needed */
	}
	for (size_t i = 0; i < t->nr_fds; i++) {
		int fl = (t->fds[i]->flags & FD_CLOEXEC) ? O_CLOEXEC : 0, ret = 0;
		uint32_t flags;

		if (dup3(tmp[i], (int)t->fds[i]->fd, fl) < 0)
			return -errno;
		rst_file_common(c, c->files[rst_file_index(c, t->fds[i]->id)].fe, &flags);
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
