/*
 * Open files: fdinfo-N.img per files table, files.img with every open-file
 * object once (deduplicated with kcmp(KCMP_FILE)), pipe and FIFO buffered
 * data (copied with tee(2), which leaves the data in the pipe), fs-PID.img.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kcmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "dump.h"
#include "dump-files.h"
#include "files.pb-c.h"
#include "fs.pb-c.h"
#include "ghost-file.pb-c.h"
#include "log.h"
#include "pipe-data.pb-c.h"
#include "proc-fdinfo.h"
#include "proc-misc.h"
#include "proc-task.h"

int dump_files_init(struct dump_ctx *ctx)
{
	return img_open(&ctx->dir, IMG_FILES, 0, true, &ctx->files_img);
}

/* Closes every image the fd phases keep open, so their write errors count. */
int dump_files_close(struct dump_ctx *ctx)
{
	struct img **imgs[] = { &ctx->files_img, &ctx->pipes_img, &ctx->fifos_img,
				&ctx->skq_img,	 &ctx->tty_img,	  &ctx->memfd_img };
	int ret = 0;

	for (size_t i = 0; i < sizeof(imgs) / sizeof(imgs[0]); i++) {
		int r = img_close(*imgs[i]);

		*imgs[i] = NULL;
		ret = ret ?: r;
	}
	return ret;
}

void dump_files_fini(struct dump_ctx *ctx)
{
	img_close(ctx->files_img);
	img_close(ctx->pipes_img);
	img_close(ctx->fifos_img);
	img_close(ctx->skq_img);
	ctx->files_img = ctx->pipes_img = ctx->fifos_img = ctx->skq_img = NULL;
	free(ctx->keys);
	ctx->keys = NULL;
	free(ctx->fd_order);
	ctx->fd_order = NULL;
	ctx->nr_fd_order = 0;
	if (ctx->copy_pidfd_pid)
		close(ctx->copy_pidfd);
	ctx->copy_pidfd_pid = 0;
	free(ctx->unix_socks);
	ctx->unix_socks = NULL;
	ctx->nr_unix = 0;
	free(ctx->inet_socks);
	ctx->inet_socks = NULL;
	ctx->nr_inet = 0;
	ctx->inet_loaded = false;
	img_close(ctx->tty_img);
	ctx->tty_img = NULL;
	img_close(ctx->memfd_img);
	ctx->memfd_img = NULL;
	dump_tcp_fini(ctx);
	dump_locks_fini(ctx);
	free(ctx->tty_rdevs);
	free(ctx->tty_ids);
	ctx->tty_rdevs = NULL;
	ctx->tty_ids = NULL;
	ctx->nr_ttys = 0;
	ctx->nr_keys = ctx->cap_keys = 0;
}

/*
 * fd-backed keys are found by binary search in ctx->fd_order: by device and
 * inode, then by open file description in the order kcmp(KCMP_FILE) gives
 * (a total order over the kernel's file pointers). A linear kcmp scan cost
 * one syscall per key: 5000 fds of /dev/null took 27 s frozen.
 * Returns <0, 0 or >0 as @d is below, the same as, or above key @k; a
 * failing kcmp (never for stopped tasks) counts as different.
 */
static int key_cmp_fd(const struct dump_file_key *d, const struct dump_file_key *k)
{
	long r;

	if (d->dev != k->dev)
		return d->dev < k->dev ? -1 : 1;
	if (d->ino != k->ino)
		return d->ino < k->ino ? -1 : 1;
	r = syscall(SYS_kcmp, d->pid, k->pid, KCMP_FILE, d->fd, k->fd);
	return r == 0 ? 0 : r == 1 ? -1 : 1;
}

/* Position of @d (dev, ino, pid, fd) in ctx->fd_order; *found: it is there. */
static size_t key_search_fd(const struct dump_ctx *ctx, const struct dump_file_key *d,
			    bool *found)
{
	size_t lo = 0, hi = ctx->nr_fd_order;

	*found = false;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = key_cmp_fd(d, &ctx->keys[ctx->fd_order[mid]]);

		if (!c) {
			*found = true;
			return mid;
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

static int key_add(struct dump_ctx *ctx, const struct dump_file_key *k)
{
	if (ctx->nr_keys == ctx->cap_keys) {
		size_t cap = ctx->cap_keys ? ctx->cap_keys * 2 : 64;
		struct dump_file_key *n = realloc(ctx->keys, cap * sizeof(*n));
		size_t *o = realloc(ctx->fd_order, cap * sizeof(*o));

		if (o)
			ctx->fd_order = o;
		if (n)
			ctx->keys = n;
		if (!n || !o)
			return -ENOMEM;
		ctx->cap_keys = cap;
	}
	if (k->fd >= 0) {
		const struct dump_fd_hint *h = &ctx->fd_hint;
		bool found;
		size_t at = h->pid == k->pid && h->fd == k->fd && h->n == ctx->nr_fd_order
				    ? h->at
				    : key_search_fd(ctx, k, &found);

		memmove(&ctx->fd_order[at + 1], &ctx->fd_order[at],
			(ctx->nr_fd_order - at) * sizeof(ctx->fd_order[0]));
		ctx->fd_order[at] = ctx->nr_keys;
		ctx->nr_fd_order++;
	}
	ctx->keys[ctx->nr_keys++] = *k;
	return 0;
}

/* The key of an fd whose open file is one we saw already, or NULL. */
static const struct dump_file_key *key_find_fd(struct dump_ctx *ctx, const struct fd_desc *d)
{
	const struct dump_file_key k = {
		.dev = d->st.st_dev, .ino = d->st.st_ino, .pid = d->pid, .fd = d->fd};
	bool found;
	size_t at = key_search_fd(ctx, &k, &found);

	/* A new one is added at this place, unless another comes first. */
	ctx->fd_hint = (struct dump_fd_hint){at, ctx->nr_fd_order, d->pid, d->fd};
	return found ? &ctx->keys[ctx->fd_order[at]] : NULL;
}

static void reg_fill(RegFileEntry *r, FownEntry *fown, uint32_t id, const char *path,
		     unsigned int flags, const struct stat *st)
{
	r->id = id;
	r->flags = flags;
	r->fown = fown;
	r->name = (char *)path;
	r->has_size = true;
	r->size = (uint64_t)st->st_size;
	r->has_mode = true;
	r->mode = st->st_mode;
}

int dump_reg_file(struct dump_ctx *ctx, const char *path, unsigned int flags, const struct stat *st,
		  uint32_t *id)
{
	struct dump_file_key k = {.dev = st->st_dev,
				  .ino = st->st_ino,
				  .flags = flags,
				  .fd = -1,
				  .type = FD_TYPES__REG};
	FileEntry fe = FILE_ENTRY__INIT;
	RegFileEntry r = REG_FILE_ENTRY__INIT;
	FownEntry fown = FOWN_ENTRY__INIT;
	int ret;

	for (size_t i = 0; i < ctx->nr_keys; i++) {
		const struct dump_file_key *o = &ctx->keys[i];

		if (o->fd < 0 && o->dev == k.dev && o->ino == k.ino && o->flags == flags) {
			*id = o->id;
			return 0;
		}
	}
	k.id = ++ctx->next_file_id;
	reg_fill(&r, &fown, k.id, path, flags, st);
	fe.type = FD_TYPES__REG;
	fe.id = k.id;
	fe.reg = &r;
	ret = img_write_msg(ctx->files_img, &fe.base);
	if (!ret)
		ret = key_add(ctx, &k);
	*id = k.id;
	return ret;
}

int dump_fd_unsupported(const struct fd_desc *d, const char *what)
{
	pr_err("unsupported fd %d of %d: %s", d->fd, d->pid, what);
	return -EOPNOTSUPP;
}

/* Copies the bytes buffered in a pipe without consuming them: tee into a pipe of ours. */
static int pipe_data(struct dump_ctx *ctx, const struct fd_desc *d, bool fifo)
{
	struct img **img = fifo ? &ctx->fifos_img : &ctx->pipes_img;
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
	if (!*img)
		ret = img_open(&ctx->dir, fifo ? IMG_FIFO_DATA : IMG_PIPES_DATA, 0, true, img);
	pde.pipe_id = (uint32_t)d->st.st_ino;
	pde.bytes = (uint32_t)n;
	pde.has_size = true;
	pde.size = (uint32_t)size;
	if (!ret)
		ret = img_write_msg(*img, &pde.base);
	if (!ret && n)
		ret = img_write_raw(*img, buf, (size_t)n);
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

static bool pipe_data_done(struct dump_ctx *ctx, const struct fd_desc *d, FdTypes type)
{
	for (size_t i = 0; i < ctx->nr_keys; i++)
		if (ctx->keys[i].type == type && ctx->keys[i].ino == d->st.st_ino &&
		    ctx->keys[i].dev == d->st.st_dev)
			return true;
	return false;
}

static int fd_pipe(struct dump_ctx *ctx, const struct fd_desc *d, FileEntry *fe, struct fd_bufs *b)
{
	b->p.id = fe->id;
	b->p.pipe_id = (uint32_t)d->st.st_ino;
	b->p.flags = d->fi.flags & ~O_CLOEXEC;
	b->p.fown = &b->fown;
	fe->type = FD_TYPES__PIPE;
	fe->pipe = &b->p;
	if (pipe_data_done(ctx, d, FD_TYPES__PIPE))
		return 0;
	return pipe_data(ctx, d, false);
}

static int fd_fifo(struct dump_ctx *ctx, const struct fd_desc *d, FileEntry *fe, struct fd_bufs *b)
{
	FifoEntry *f = &b->f;
	uint32_t regf;
	int ret;

	ret = dump_reg_file(ctx, d->path, d->fi.flags & ~O_CLOEXEC, &d->st, &regf);
	if (ret)
		return ret;
	f->id = fe->id;
	f->pipe_id = (uint32_t)d->st.st_ino;
	f->has_regf_id = true;
	f->regf_id = regf;
	fe->type = FD_TYPES__FIFO;
	fe->fifo = f;
	if (pipe_data_done(ctx, d, FD_TYPES__FIFO))
		return 0;
	return pipe_data(ctx, d, true);
}

static bool chr_plain(const struct stat *st)
{
	/* mem devices (major 1): null 3, zero 5, full 7, random 8, urandom 9 */
	unsigned int mi = minor(st->st_rdev);

	return major(st->st_rdev) == 1 && (mi == 3 || mi == 5 || mi == 7 || mi == 8 || mi == 9);
}

#define GHOST_MAX (64u << 20)

/*
 * Content of an unlinked file, read through @link (/proc/PID/fd/N or
 * /proc/PID/map_files/A-B), into ghost-file-ID.img (ID: its REG file id).
 * Logs.
 */
int dump_ghost_file(struct dump_ctx *ctx, const char *link, const struct stat *st, uint32_t id)
{
	GhostFileEntry g = GHOST_FILE_ENTRY__INIT;
	struct img *img = NULL;
	off_t off = 0;
	int fd, ret;

	fd = open(link, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		pr_err("dump: unlinked file '%s': %s", link, strerror(errno));
		return ret;
	}
	g.uid = st->st_uid;
	g.gid = st->st_gid;
	g.mode = st->st_mode;
	g.has_dev = g.has_ino = g.has_size = true;
	g.dev = (uint32_t)st->st_dev;
	g.ino = st->st_ino;
	g.size = (uint64_t)st->st_size;
	ret = img_open(&ctx->dir, IMG_GHOST_FILE, id, true, &img);
	if (!ret)
		ret = img_write_msg(img, &g.base);
	while (!ret && off < st->st_size) {
		size_t want = (size_t)(st->st_size - off);
		ssize_t n;

		if (want > ctx->pagebuf_len)
			want = ctx->pagebuf_len;
		n = pread(fd, ctx->pagebuf, want, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			/* The file shrank under us: pad, the entry promised size bytes. */
			if (n < 0) {
				ret = -errno;
				break;
			}
			memset(ctx->pagebuf, 0, want);
			n = (ssize_t)want;
		}
		ret = img_write_raw(img, ctx->pagebuf, (size_t)n);
		off += n;
	}
	ret = img_close(img) ?: ret;
	close(fd);
	if (ret)
		pr_err("dump: unlinked file '%s': %s", link, strerror(-ret));
	return ret;
}

static int ghost_file(struct dump_ctx *ctx, const struct fd_desc *d, uint32_t id)
{
	char link[64];

	if (d->st.st_size > GHOST_MAX)
		return dump_fd_unsupported(d, "unlinked file larger than 64 MiB");
	snprintf(link, sizeof(link), "/proc/%d/fd/%d", d->pid, d->fd);
	return dump_ghost_file(ctx, link, &d->st, id);
}

static int fd_reg(struct dump_ctx *ctx, struct fd_desc *d, FileEntry *fe, struct fd_bufs *b)
{
	RegFileEntry *r = &b->r;
	size_t len = strlen(d->path);
	bool ghost = false;
	int ret;

	if (S_ISCHR(d->st.st_mode) && dump_fd_is_tty(&d->st))
		return dump_fd_tty(ctx, d, fe, b);
	if (S_ISCHR(d->st.st_mode) && !chr_plain(&d->st))
		return dump_fd_unsupported(d, "character device");
	if (!strncmp(d->path, "/memfd:", 7) && S_ISREG(d->st.st_mode))
		return dump_fd_memfd(ctx, d, fe, b);
	if (len > 10 && !strcmp(d->path + len - 10, " (deleted)")) {
		if (!S_ISREG(d->st.st_mode) || d->st.st_nlink != 0)
			return dump_fd_unsupported(d, "unlinked file with other links");
		d->path[len - 10] = '\0';
		ghost = true;
	} else if (S_ISREG(d->st.st_mode) && d->st.st_nlink == 0) {
		return dump_fd_unsupported(d, "unlinked file");
	}
	if (d->path[0] != '/')
		return dump_fd_unsupported(d, d->path);
	reg_fill(r, &b->fown, fe->id, d->path, d->fi.flags & ~O_CLOEXEC, &d->st);
	r->pos = d->fi.pos;
	r->has_mnt_id = true;
	r->mnt_id = d->fi.mnt_id;
	fe->type = FD_TYPES__REG;
	fe->reg = r;
	if (ghost) {
		ret = ghost_file(ctx, d, fe->id);
		if (ret)
			return ret;
	}
	return 0;
}

static int fd_classify(struct dump_ctx *ctx, struct fd_desc *d, FileEntry *fe, struct fd_bufs *b)
{
	if (!strncmp(d->path, "pipe:[", 6))
		return fd_pipe(ctx, d, fe, b);
	if (!strncmp(d->path, "socket:[", 8))
		return dump_fd_socket(ctx, d, fe, b);
	if (!strncmp(d->path, "anon_inode:", 11))
		return dump_fd_anon(ctx, d, fe, b);
	if (S_ISFIFO(d->st.st_mode))
		return fd_fifo(ctx, d, fe, b);
	if (S_ISREG(d->st.st_mode) || S_ISDIR(d->st.st_mode) || S_ISCHR(d->st.st_mode))
		return fd_reg(ctx, d, fe, b);
	return dump_fd_unsupported(d, S_ISBLK(d->st.st_mode) ? "block device" : d->path);
}

static int fd_describe(pid_t pid, int fd, struct fd_desc *d)
{
	char what[32], link[64];
	int ret;

	d->pid = pid;
	d->fd = fd;
	snprintf(what, sizeof(what), "fd/%d", fd);
	snprintf(link, sizeof(link), "/proc/%d/fd/%d", pid, fd);
	ret = proc_readlink(pid, what, d->path, sizeof(d->path));
	if (!ret && stat(link, &d->st))
		ret = -errno;
	if (!ret)
		ret = proc_read_fdinfo(pid, fd, &d->fi);
	if (ret)
		pr_err("dump: fd %d of %d: %s", fd, pid, strerror(-ret));
	return ret;
}

/*
 * d->copy: the tool's copy of the fd (pidfd_getfd), taken once per new
 * description for the owner below and for the kinds that read state
 * through it (sockets, terminals). One pidfd per process, not per fd: this
 * runs for every description, inside the freeze.
 */
static int fd_copy(struct dump_ctx *ctx, struct fd_desc *d)
{
	if (ctx->copy_pidfd_pid != d->pid) {
		if (ctx->copy_pidfd_pid)
			close(ctx->copy_pidfd);
		ctx->copy_pidfd_pid = 0;
		ctx->copy_pidfd = (int)syscall(SYS_pidfd_open, d->pid, 0);
		if (ctx->copy_pidfd < 0)
			goto fail;
		ctx->copy_pidfd_pid = d->pid;
	}
	d->copy = (int)syscall(SYS_pidfd_getfd, ctx->copy_pidfd, d->fd, 0);
	if (d->copy >= 0)
		return 0;
fail:
	d->copy = -errno;
	pr_err("dump: fd %d of %d: pidfd_getfd: %s", d->fd, d->pid, strerror(-d->copy));
	return d->copy;
}

/*
 * The owner that SIGIO/SIGURG go to (F_SETOWN_EX: a thread, process or
 * group) and the signal (F_SETSIG): both belong to the open file
 * description. The owner's credentials, which the kernel keeps for its
 * permission check, cannot be read: not recorded.
 */
static void fd_owner(const struct fd_desc *d, FownEntry *fown)
{
	struct f_owner_ex ow = {0};
	int sig;

	if (!fcntl(d->copy, F_GETOWN_EX, &ow) && ow.pid) {
		fown->pid_type = (uint32_t)ow.type;
		fown->pid = (uint32_t)ow.pid;
	}
	sig = fcntl(d->copy, F_GETSIG);
	if (sig > 0)
		fown->signum = (uint32_t)sig;
}

/* Fills @fdi for one descriptor, writing its file_entry on first sight. */
static int dump_one_fd(struct dump_ctx *ctx, struct fd_desc *d, FdinfoEntry *fdi)
{
	const struct dump_file_key *seen;
	struct dump_file_key k = {0};
	FileEntry fe = FILE_ENTRY__INIT;
	struct fd_bufs b;
	int ret;

	memset(&b, 0, sizeof(b));
	reg_file_entry__init(&b.r);
	pipe_entry__init(&b.p);
	fifo_entry__init(&b.f);
	eventfd_file_entry__init(&b.efd);
	signalfd_entry__init(&b.sfd);
	timerfd_entry__init(&b.tfd);
	eventpoll_file_entry__init(&b.ep);
	unix_sk_entry__init(&b.usk);
	file_perms_entry__init(&b.uperms);
	sk_opts_entry__init(&b.skopts);
	inet_sk_entry__init(&b.isk);
	tty_file_entry__init(&b.tty);
	memfd_file_entry__init(&b.memfd);
	ip_opts_entry__init(&b.ipopts);
	fown_entry__init(&b.fown);
	d->copy = -1;
	ret = fd_describe(d->pid, d->fd, d);
	if (ret)
		return ret;
	fdi->fd = (uint32_t)d->fd;
	fdi->flags = (d->fi.flags & O_CLOEXEC) ? FD_CLOEXEC : 0;
	seen = key_find_fd(ctx, d);
	if (seen) {
		fdi->id = seen->id;
		fdi->type = seen->type;
		goto out;
	}
	fe.id = ++ctx->next_file_id;
	ret = fd_copy(ctx, d);
	if (ret)
		goto out;
	fd_owner(d, &b.fown);
	ret = fd_classify(ctx, d, &fe, &b);
	if (ret)
		goto out;
	ret = img_write_msg(ctx->files_img, &fe.base);
	k.dev = d->st.st_dev;
	k.ino = d->st.st_ino;
	k.pid = d->pid;
	k.fd = d->fd;
	k.type = fe.type;
	k.id = fe.id;
	k.peer = fe.usk ? fe.usk->peer : 0;
	if (!ret)
		ret = key_add(ctx, &k);
	fdi->id = fe.id;
	fdi->type = fe.type;
out:
	if (d->copy >= 0)
		close(d->copy);
	d->copy = -1;
	free(b.ep_tfds);
	free(b.ep_tfdp);
	return ret;
}

int dump_task_files(struct dump_ctx *ctx, struct dump_task *t)
{
	FdinfoEntry fdi;
	struct fd_desc *d;
	struct img *img = NULL;
	int *fds = NULL, ret;
	size_t n = 0;

	if (t->zombie || !t->own_files)
		return 0;
	ret = proc_list_fds(t->pid, &fds, &n);
	if (ret) {
		pr_err("dump: fds of pid %d: %s", t->pid, strerror(-ret));
		return ret;
	}
	d = malloc(sizeof(*d));
	if (!d) {
		free(fds);
		return -ENOMEM;
	}
	ret = img_open(&ctx->dir, IMG_FDINFO, t->files_id, true, &img);
	for (size_t i = 0; i < n && !ret; i++) {
		if (ctx->hooks.hidden_fd && ctx->hooks.hidden_fd(ctx->hooks.arg, t->pid, fds[i]))
			continue; /* the write tracker's own fd */
		fdinfo_entry__init(&fdi);
		memset(d, 0, sizeof(*d));
		d->pid = t->pid;
		d->fd = fds[i];
		ret = dump_one_fd(ctx, d, &fdi);
		if (!ret)
			ret = dump_fd_locks(ctx, d, fdi.id);
		proc_fdinfo_fini(&d->fi);
		if (!ret)
			ret = img_write_msg(img, &fdi.base);
	}
	ret = img_close(img) ?: ret;
	free(d);
	free(fds);
	return ret;
}

static int fs_link(struct dump_ctx *ctx, pid_t pid, const char *what, uint32_t *id)
{
	char path[4096], link[64];
	struct stat st;
	int ret;

	snprintf(link, sizeof(link), "/proc/%d/%s", pid, what);
	ret = proc_readlink(pid, what, path, sizeof(path));
	if (!ret && stat(link, &st))
		ret = -errno;
	if (ret) {
		pr_err("dump: %s of pid %d: %s", what, pid, strerror(-ret));
		return ret;
	}
	return dump_reg_file(ctx, path, O_RDONLY | O_DIRECTORY, &st, id);
}

int dump_task_fs(struct dump_ctx *ctx, struct dump_task *t)
{
	FsEntry fs = FS_ENTRY__INIT;
	int ret;

	if (t->zombie || !t->own_fs)
		return 0;
	ret = fs_link(ctx, t->pid, "cwd", &fs.cwd_id);
	if (!ret)
		ret = fs_link(ctx, t->pid, "root", &fs.root_id);
	if (ret)
		return ret;
	if (t->status.umask >= 0) {
		fs.has_umask = true;
		fs.umask = (uint32_t)t->status.umask;
	}
	return img_write_one(&ctx->dir, IMG_FS, (unsigned long)t->pid, &fs.base);
}

int dump_files_finish(struct dump_ctx *ctx)
{
	for (size_t i = 0; i < ctx->nr_keys; i++) {
		const struct dump_file_key *k = &ctx->keys[i];
		bool found = false;

		if (k->type != FD_TYPES__UNIXSK || !k->peer)
			continue;
		for (size_t j = 0; j < ctx->nr_keys && !found; j++)
			found = ctx->keys[j].type == FD_TYPES__UNIXSK &&
				ctx->keys[j].ino == k->peer;
		if (!found) {
			pr_err("unsupported fd %d of %d: unix socket whose peer (inode %u) is "
			       "outside the dumped tree",
			       k->fd, k->pid, k->peer);
			return -EOPNOTSUPP;
		}
	}
	return dump_locks_finish(ctx);
}
