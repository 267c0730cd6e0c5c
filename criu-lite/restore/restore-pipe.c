/*
 * Restore: pipes and FIFOs. A pipe is created once per pipe_id, both ends
 * held by the tool; each PIPE entry is a separate open file description of
 * its end (reopened through /proc/self/fd), with its own flags; fds that
 * shared one description share the entry. A FIFO is opened by its path (its
 * REG entry) with the task's rights; a helper O_RDWR descriptor keeps both
 * ends openable without blocking. An unlinked FIFO is made again from its
 * ghost image and each description reopened through the helper. Once every file is open the
 * buffered bytes go back in (pipes-data.img, fifo-data.img), then a pipe gets its flags.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "array.h"
#include "log.h"
#include "restore-fd.h"

#include "ghost-file.pb-c.h"
#include "pipe-data.pb-c.h"

#ifndef F_SETPIPE_SZ
#define F_SETPIPE_SZ 1031
#endif

/* One pipe per pipe_id, both ends open in the tool (a FIFO: fds[0] the helper, fds[1] its dup). */
struct rst_pipe {
	uint32_t pipe_id;
	int fds[2];
	bool ghost; /* an unlinked FIFO: opened through /proc/self/fd/fds[0] */
};

/* The state of each of the two kinds. */
struct rst_pipes {
	struct rst_pipe *v;
	size_t n;
};

static void *rst_pipes_init(void)
{
	return calloc(1, sizeof(struct rst_pipes));
}

static void rst_pipes_close(void *st)
{
	struct rst_pipes *s = st;

	for (size_t i = 0; i < s->n; i++) {
		close(s->v[i].fds[0]);
		close(s->v[i].fds[1]);
	}
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

static void rst_pipes_fini(void *st)
{
	rst_pipes_close(st);
	free(st);
}

/* The pipe or FIFO @pipe_id (*fresh: a new, unfilled slot at the end), NULL: no memory. */
static struct rst_pipe *rst_pipe_slot(struct rst_pipes *s, uint32_t pipe_id, bool *fresh)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].pipe_id == pipe_id) {
			*fresh = false;
			return &s->v[i];
		}
	*fresh = true;
	return ARRAY_GROW(s->v, s->n) ? NULL : &s->v[s->n];
}

static struct rst_pipe *rst_pipe_get(struct rst_pipes *s, uint32_t pipe_id)
{
	bool fresh;
	struct rst_pipe *p = rst_pipe_slot(s, pipe_id, &fresh);

	if (!p || !fresh)
		return p;
	if (pipe2(p->fds, O_CLOEXEC)) {
		pr_err("pipe %u: cannot create: %s", pipe_id, strerror(errno));
		return NULL;
	}
	p->pipe_id = pipe_id;
	s->n++;
	return p;
}

static int rst_open_pipe(struct rst_ctx *c, const struct rst_task *t, const FileEntry *fe, int *fdp)
{
	const PipeEntry *pe = fe->pipe;
	struct rst_pipes *s = rst_fd_state(c, &rst_fd_pipe);
	struct rst_pipe *p = s ? rst_pipe_get(s, pe->pipe_id) : NULL;
	char path[64];
	int end, fd;

	if (!p)
		return -ENOMEM;
	end = (pe->flags & O_ACCMODE) == O_RDONLY ? 0 : 1;
	/*
	 * A separate description per file id (its own flags): the end reopened
	 * through /proc/self/fd, as the program itself may have done. The tool
	 * holds both ends, so neither open waits for a peer.
	 */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", p->fds[end]);
	fd = open(path, (int)(pe->flags & O_ACCMODE) | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;

		pr_err("pipe %u (file id %u): reopening '%s': %s", pe->pipe_id, pe->id, path,
		       strerror(e));
		return -e;
	}
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

static int rst_pipes_finish(struct rst_ctx *c)
{
	struct rst_pipes *s = c->fd_state[FD_TYPES__PIPE];
	int ret = s ? rst_pipes_refill(c, IMG_PIPES_DATA, s->v, s->n) : 0;

	if (ret)
		return ret;
	/* O_NONBLOCK and friends only once the data is back in. */
	for (size_t i = 0; c->files && i < c->nr_files; i++) {
		struct rst_file *f = &c->files[i];

		if (f->fd >= 0 && !f->inherited && f->fe->type == FD_TYPES__PIPE)
			fcntl(f->fd, F_SETFL, (int)f->fe->pipe->flags & ~O_ACCMODE);
	}
	return 0;
}

static bool rst_pipe_check(const FileEntry *fe)
{
	return fe->pipe;
}

RST_FD_FOWN(rst_pipe_fown, pipe)

const struct fd_rst_ops rst_fd_pipe = {
	.name = "pipe",
	.type = FD_TYPES__PIPE,
	.init = rst_pipes_init,
	.fini = rst_pipes_fini,
	.check = rst_pipe_check,
	.open = rst_open_pipe,
	.finish = rst_pipes_finish,
	.close = rst_pipes_close,
	.fown = rst_pipe_fown,
};

/*
 * The helper of FIFO @pipe_id: its path opened O_RDWR. An unlinked FIFO
 * (a ghost image for its REG entry) is made again at a free name next to
 * its old one, held by the helper, and loses the name at once.
 */
static struct rst_pipe *rst_fifo_get(struct rst_ctx *c, struct rst_pipes *s, const FileEntry *reg,
				     uint32_t pipe_id)
{
	struct rst_ghost gh = {NULL, NULL};
	const char *path = reg->reg->name;
	char made[4200];
	bool fresh;
	struct rst_pipe *p = rst_pipe_slot(s, pipe_id, &fresh);
	int ret;

	if (!p || !fresh)
		return p;
	ret = rst_ghost_load(c, reg->id, &gh);
	if (!ret && !S_ISFIFO(gh.g->mode))
		ret = -EINVAL;
	if (!ret)
		ret = rst_ghost_make(&gh, path, made, sizeof(made));
	rst_ghost_free(&gh);
	if (ret && ret != -ENOENT) {
		pr_err("unlinked fifo '%s': cannot make it again: %s", path, strerror(-ret));
		return NULL;
	}
	p->ghost = !ret;
	p->fds[0] = open(p->ghost ? made : path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	ret = p->fds[0] < 0 ? -errno : 0;
	if (p->ghost)
		unlink(made);
	if (ret) {
		pr_err("fifo '%s': cannot open: %s", path, strerror(-ret));
		return NULL;
	}
	p->fds[1] = dup(p->fds[0]);
	p->pipe_id = pipe_id;
	s->n++;
	return p;
}

static int rst_open_fifo(struct rst_ctx *c, const FifoEntry *f, int *fdp)
{
	const FileEntry *reg = rst_file_entry(c, f->regf_id);
	struct rst_pipes *s = rst_fd_state(c, &rst_fd_fifo);
	struct rst_pipe *p;
	char self[64];
	const char *path;
	int fd, flags;

	if (!reg || !reg->reg) {
		pr_err("fifo %u: its path (file id %u) is not in files.img", f->id, f->regf_id);
		return -EINVAL;
	}
	if (!s)
		return -ENOMEM;
	p = rst_fifo_get(c, s, reg, f->pipe_id);
	if (!p)
		return -EIO;
	path = reg->reg->name;
	if (p->ghost) { /* a description of its own, of the same FIFO */
		snprintf(self, sizeof(self), "/proc/self/fd/%d", p->fds[0]);
		path = self;
	}
	flags = (int)reg->reg->flags & ~(O_CREAT | O_TRUNC | O_EXCL | O_NOCTTY);
	/* Non-blocking while the helper holds both ends; the real flags after. */
	fd = open(path, flags | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;

		pr_err("fifo '%s': cannot open: %s", reg->reg->name, strerror(e));
		return -e;
	}
	if (!(flags & O_NONBLOCK))
		fcntl(fd, F_SETFL, flags & ~O_ACCMODE);
	*fdp = fd;
	return 0;
}

/* A FIFO is opened by its path, with the rights of the task it is opened for. */
struct rst_fifo_open {
	struct rst_ctx *c;
	const FileEntry *fe;
	int *fd;
};

static int rst_fifo_open_as(void *arg)
{
	struct rst_fifo_open *p = arg;

	return rst_open_fifo(p->c, p->fe->fifo, p->fd);
}

static int rst_fifo_open(struct rst_ctx *c, const struct rst_task *t, const FileEntry *fe, int *fdp)
{
	struct rst_fifo_open p = {c, fe, fdp};
	struct rst_rights r;

	rst_rights_of(c, t, &r);
	return rst_rights_run(&r, rst_fifo_open_as, &p);
}

static int rst_fifos_finish(struct rst_ctx *c)
{
	struct rst_pipes *s = c->fd_state[FD_TYPES__FIFO];

	return s ? rst_pipes_refill(c, IMG_FIFO_DATA, s->v, s->n) : 0;
}

static bool rst_fifo_check(const FileEntry *fe)
{
	return fe->fifo && fe->fifo->has_regf_id;
}

/* A FIFO's flags are those of its path's REG entry; it has no owner. */
static const FownEntry *rst_fifo_fown(const struct rst_ctx *c, const FileEntry *fe, uint32_t *flags)
{
	int i = fe->fifo && fe->fifo->has_regf_id ? rst_file_index(c, fe->fifo->regf_id) : -1;

	*flags = i >= 0 && c->fentries[i]->reg ? c->fentries[i]->reg->flags : 0;
	return NULL;
}

const struct fd_rst_ops rst_fd_fifo = {
	.name = "fifo",
	.type = FD_TYPES__FIFO,
	.init = rst_pipes_init,
	.fini = rst_pipes_fini,
	.check = rst_fifo_check,
	.open = rst_fifo_open,
	.finish = rst_fifos_finish,
	.close = rst_pipes_close,
	.fown = rst_fifo_fown,
};
