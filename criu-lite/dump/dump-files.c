/*
 * Open files: fdinfo-N.img per files table, files.img with every open-file
 * object once (dump-filetab.c), fs-PID.img. Each new open file description
 * goes to the first fd kind that matches it (dump_fd_kinds, dump-files.h);
 * nothing here knows one kind from another.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "dump.h"
#include "dump-files.h"
#include "files.pb-c.h"
#include "fs.pb-c.h"
#include "log.h"
#include "proc-fdinfo.h"
#include "proc-misc.h"
#include "proc-task.h"

int dump_files_init(struct dump_ctx *ctx)
{
	int ret = img_open(&ctx->dir, IMG_FILES, 0, true, &ctx->files_img);

	for (size_t i = 0; !ret && i < dump_fd_nr_kinds; i++) {
		const struct fd_dump_ops *k = dump_fd_kinds[i];

		if (k->init)
			ret = k->init(ctx, &ctx->fd_state[k->type]);
	}
	return ret;
}

/* Closes every image the fd phases keep open, so their write errors count. */
int dump_files_close(struct dump_ctx *ctx)
{
	int ret = img_close(ctx->files_img);

	ctx->files_img = NULL;
	for (size_t i = 0; i < dump_fd_nr_kinds; i++) {
		const struct fd_dump_ops *k = dump_fd_kinds[i];
		int r = k->close ? k->close(ctx->fd_state[k->type]) : 0;

		ret = ret ?: r;
	}
	return ret;
}

void dump_files_release(struct dump_ctx *ctx, bool resume)
{
	for (size_t i = 0; i < dump_fd_nr_kinds; i++) {
		const struct fd_dump_ops *k = dump_fd_kinds[i];

		if (k->release)
			k->release(ctx->fd_state[k->type], resume);
	}
}

void dump_files_fini(struct dump_ctx *ctx)
{
	img_close(ctx->files_img);
	ctx->files_img = NULL;
	dump_filetab_fini(ctx);
	if (ctx->copy_pidfd_pid)
		close(ctx->copy_pidfd);
	ctx->copy_pidfd_pid = 0;
	for (size_t i = 0; i < dump_fd_nr_kinds; i++) {
		const struct fd_dump_ops *k = dump_fd_kinds[i];

		if (k->fini)
			k->fini(ctx->fd_state[k->type]);
		ctx->fd_state[k->type] = NULL;
	}
	dump_locks_fini(ctx);
}

/* The first kind that claims @d fills @fe; no kind: refused. */
static int fd_classify(struct dump_ctx *ctx, struct fd_desc *d, FileEntry *fe)
{
	for (size_t i = 0; i < dump_fd_nr_kinds; i++) {
		const struct fd_dump_ops *k = dump_fd_kinds[i];
		int ret = k->match(d);

		if (ret < 0)
			return ret;
		if (ret)
			return k->dump(ctx, ctx->fd_state[k->type], d, fe);
	}
	return dump_fd_unsupported(d, d->path);
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
	FownEntry fown = FOWN_ENTRY__INIT;
	int ret;

	d->copy = -1;
	d->fown = &fown;
	ret = fd_describe(d->pid, d->fd, d);
	if (ret)
		return ret;
	fdi->fd = (uint32_t)d->fd;
	fdi->flags = (d->fi.flags & O_CLOEXEC) ? FD_CLOEXEC : 0;
	seen = dump_filetab_find_fd(ctx, d);
	if (seen && !seen->reserved) {
		fdi->id = seen->id;
		fdi->type = seen->type;
		goto out;
	}
	fe.id = seen ? seen->id : ++ctx->next_file_id;
	ret = fd_copy(ctx, d);
	if (ret)
		goto out;
	fd_owner(d, &fown);
	fown.pid = (uint32_t)dump_ns_vpid(ctx, (pid_t)fown.pid); /* as the tree sees it */
	ret = fd_classify(ctx, d, &fe);
	if (ret < 0)
		goto out;
	/* 1: the kind writes the entry once every fd is known */
	ret = ret ? 0 : img_write_msg(ctx->files_img, &fe.base);
	k.dev = d->st.st_dev;
	k.ino = d->st.st_ino;
	k.pid = d->pid;
	k.fd = d->fd;
	k.type = fe.type;
	k.id = fe.id;
	if (!ret && seen)
		*(struct dump_file_key *)seen = k; /* the reservation, fulfilled */
	else if (!ret)
		ret = dump_filetab_add(ctx, &k);
	fdi->id = fe.id;
	fdi->type = fe.type;
out:
	if (d->copy >= 0)
		close(d->copy);
	d->copy = -1;
	d->fown = NULL;
	return ret;
}

int dump_fd_file_id(struct dump_ctx *ctx, pid_t pid, int fd, uint32_t *id)
{
	struct fd_desc *d = calloc(1, sizeof(*d));
	const struct dump_file_key *seen;
	struct dump_file_key k = {.pid = pid, .fd = fd, .reserved = true};
	int ret;

	if (!d)
		return -ENOMEM;
	ret = fd_describe(pid, fd, d);
	seen = ret ? NULL : dump_filetab_find_fd(ctx, d);
	if (seen) {
		*id = seen->id;
	} else if (!ret) {
		k.dev = d->st.st_dev;
		k.ino = d->st.st_ino;
		k.id = ++ctx->next_file_id;
		ret = dump_filetab_add(ctx, &k);
		*id = k.id;
	}
	proc_fdinfo_fini(&d->fi);
	free(d);
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

/*
 * A file in flight, held by the tool: dumped as an open file like any other
 * (the same object as the tree's when a process holds it too).
 */
static int dump_file_in_flight(struct dump_ctx *ctx, int fd, pid_t to_pid, int to_fd, uint32_t *id)
{
	FdinfoEntry fdi = FDINFO_ENTRY__INIT;
	struct fd_desc *d = calloc(1, sizeof(*d));
	int ret;

	if (!d)
		return -ENOMEM;
	/* The tool's own descriptor of it: every kind reads it through /proc like a target's. */
	d->pid = getpid();
	d->fd = fd;
	d->to_pid = to_pid;
	d->to_fd = to_fd;
	ret = dump_one_fd(ctx, d, &fdi);
	proc_fdinfo_fini(&d->fi);
	free(d);
	*id = fdi.id;
	return ret;
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
	return img_write_one(&ctx->dir, IMG_FS, (unsigned long)t->vpid, &fs.base);
}

/* Every kind's files in flight, until none is left (one may carry more). */
static int dump_files_in_flight(struct dump_ctx *ctx)
{
	for (size_t i = 0; i < dump_fd_nr_kinds; i++) {
		const struct fd_dump_ops *k = dump_fd_kinds[i];
		void *st = ctx->fd_state[k->type];

		for (size_t j = 0; k->in_flight; j++) {
			struct dump_in_flight *v, f;
			size_t n;
			int ret;

			k->in_flight(st, &v, &n);
			if (j >= n)
				break;
			f = v[j];
			if (f.id)
				continue;
			ret = dump_file_in_flight(ctx, f.fd, f.to_pid, f.to_fd, &f.id);
			if (ret)
				return ret;
			k->in_flight(st, &v, &n); /* it may have grown */
			v[j].id = f.id;
		}
	}
	return 0;
}

int dump_files_finish(struct dump_ctx *ctx)
{
	int ret = dump_files_in_flight(ctx);

	for (size_t i = 0; !ret && i < dump_fd_nr_kinds; i++) {
		const struct fd_dump_ops *k = dump_fd_kinds[i];

		ret = k->dump_finish ? k->dump_finish(ctx, ctx->fd_state[k->type]) : 0;
	}
	return ret ?: dump_locks_finish(ctx);
}
