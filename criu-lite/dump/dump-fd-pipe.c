/*
 * Pipes ("pipe:[INO]") and FIFOs (S_ISFIFO, opened by path: their path is a
 * REG entry; an unlinked one a ghost image for it). The bytes buffered in one go to pipes-data.img
 * or fifo-data.img once per pipe, copied with tee(2), which leaves the data in the pipe.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "array.h"
#include "dump-files.h"
#include "log.h"
#include "pipe-data.pb-c.h"

/* The state of each of the two kinds. */
struct pipe_state {
	bool fifo;
	struct img *img; /* pipes-data.img or fifo-data.img, opened on first use */
	struct pipe_seen {
		dev_t dev;
		ino_t ino;
	} * seen; /* pipes whose data is written */
	size_t nr_seen;
	PipeEntry p; /* the entry being built */
	FifoEntry f;
};

static int pipe_init(bool fifo, void **st)
{
	struct pipe_state *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	s->fifo = fifo;
	*st = s;
	return 0;
}

static int pipe_init_pipe(struct dump_ctx *ctx, void **st)
{
	return pipe_init(false, st);
}

static int pipe_init_fifo(struct dump_ctx *ctx, void **st)
{
	return pipe_init(true, st);
}

static int pipe_close(void *st)
{
	struct pipe_state *s = st;
	int ret = s ? img_close(s->img) : 0;

	if (s)
		s->img = NULL;
	return ret;
}

static void pipe_fini(void *st)
{
	struct pipe_state *s = st;

	if (!s)
		return;
	img_close(s->img);
	free(s->seen);
	free(s);
}

/* Copies the bytes buffered in a pipe without consuming them: tee into a pipe of ours. */
static int pipe_data(struct dump_ctx *ctx, struct pipe_state *s, const struct fd_desc *d)
{
	PipeDataEntry pde = PIPE_DATA_ENTRY__INIT;
	char path[64];
	int pfd, priv[2] = {-1, -1}, size, ret = 0;
	ssize_t n = 0, got = 0;
	char *buf = NULL;

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", d->pid, d->fd);
	pfd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (pfd < 0) {
		/* A pipe another user made (inherited): only its owner or root opens it. */
		ret = -errno;
		pr_err("dump: data of pipe fd %d of %d: opening '%s': %s", d->fd, d->pid, path,
		       strerror(-ret));
		return ret;
	}
	size = fcntl(pfd, F_GETPIPE_SZ);
	if (size < 0 || pipe2(priv, O_NONBLOCK | O_CLOEXEC) ||
	    fcntl(priv[1], F_SETPIPE_SZ, size) < size) {
		ret = -errno;
		goto out;
	}
	n = tee(pfd, priv[1], (size_t)size, SPLICE_F_NONBLOCK);
	if (n < 0 && errno != EAGAIN) {
		ret = -errno;
		goto out;
	}
	if (n < 0)
		n = 0;
	buf = malloc((size_t)n + 1);
	if (!buf) {
		ret = -ENOMEM;
		goto out;
	}
	while (got < n) {
		ssize_t r = read(priv[0], buf + got, (size_t)(n - got));

		if (r <= 0) {
			ret = r < 0 ? -errno : -EIO;
			goto out;
		}
		got += r;
	}
	if (!s->img)
		ret = img_open(&ctx->dir, s->fifo ? IMG_FIFO_DATA : IMG_PIPES_DATA, 0, true,
			       &s->img);
	pde.pipe_id = (uint32_t)d->st.st_ino;
	pde.bytes = (uint32_t)n;
	pde.has_size = true;
	pde.size = (uint32_t)size;
	if (!ret)
		ret = img_write_msg(s->img, &pde.base);
	if (!ret && n)
		ret = img_write_raw(s->img, buf, (size_t)n);
out:
	if (ret)
		pr_err("dump: data of pipe fd %d of %d: %s", d->fd, d->pid, strerror(-ret));
	free(buf);
	close(pfd);
	if (priv[0] >= 0)
		close(priv[0]);
	if (priv[1] >= 0)
		close(priv[1]);
	return ret;
}

/* The pipe's data once: the first of its descriptions seen writes it. */
static int pipe_data_once(struct dump_ctx *ctx, struct pipe_state *s, const struct fd_desc *d)
{
	int ret;

	for (size_t i = 0; i < s->nr_seen; i++)
		if (s->seen[i].ino == d->st.st_ino && s->seen[i].dev == d->st.st_dev)
			return 0;
	ret = pipe_data(ctx, s, d);
	if (ret)
		return ret;
	if (ARRAY_GROW(s->seen, s->nr_seen))
		return -ENOMEM;
	s->seen[s->nr_seen++] = (struct pipe_seen){d->st.st_dev, d->st.st_ino};
	return 0;
}

static int pipe_match(const struct fd_desc *d)
{
	return !strncmp(d->path, "pipe:[", 6);
}

static int pipe_dump(struct dump_ctx *ctx, void *st, struct fd_desc *d, FileEntry *fe)
{
	struct pipe_state *s = st;

	pipe_entry__init(&s->p);
	s->p.id = fe->id;
	s->p.pipe_id = (uint32_t)d->st.st_ino;
	s->p.flags = d->fi.flags & ~O_CLOEXEC;
	s->p.fown = d->fown;
	fe->type = FD_TYPES__PIPE;
	fe->pipe = &s->p;
	return pipe_data_once(ctx, s, d);
}

static int fifo_match(const struct fd_desc *d)
{
	return S_ISFIFO(d->st.st_mode) && !(d->fi.flags & O_PATH); /* O_PATH: a REG entry */
}

static int fifo_dump(struct dump_ctx *ctx, void *st, struct fd_desc *d, FileEntry *fe)
{
	struct pipe_state *s = st;
	size_t len = strlen(d->path);
	bool gone = len > 10 && !strcmp(d->path + len - 10, " (deleted)");
	char link[64];
	uint32_t regf;
	int ret;

	if (gone && d->st.st_nlink)
		return dump_fd_unsupported(d, "unlinked FIFO with other links");
	if (gone)
		d->path[len - 10] = '\0';
	ret = dump_reg_file(ctx, d->path, d->fi.flags & ~O_CLOEXEC, &d->st, &regf);
	if (ret)
		return ret;
	/* Unlinked: its mode and owner in a ghost image for its REG entry, once. */
	snprintf(link, sizeof(link), "ghost-file-%x.img", regf);
	if (gone && faccessat(ctx->dir.fd, link, F_OK, AT_SYMLINK_NOFOLLOW)) {
		snprintf(link, sizeof(link), "/proc/%d/fd/%d", d->pid, d->fd);
		ret = dump_ghost_file(ctx, link, &d->st, regf);
		if (ret)
			return ret;
	}
	fifo_entry__init(&s->f);
	s->f.id = fe->id;
	s->f.pipe_id = (uint32_t)d->st.st_ino;
	s->f.has_regf_id = true;
	s->f.regf_id = regf;
	fe->type = FD_TYPES__FIFO;
	fe->fifo = &s->f;
	return pipe_data_once(ctx, s, d);
}

const struct fd_dump_ops dump_fd_pipe = {
	.name = "pipe",
	.type = FD_TYPES__PIPE,
	.init = pipe_init_pipe,
	.match = pipe_match,
	.dump = pipe_dump,
	.close = pipe_close,
	.fini = pipe_fini,
};

const struct fd_dump_ops dump_fd_fifo = {
	.name = "fifo",
	.type = FD_TYPES__FIFO,
	.init = pipe_init_fifo,
	.match = fifo_match,
	.dump = fifo_dump,
	.close = pipe_close,
	.fini = pipe_fini,
};
