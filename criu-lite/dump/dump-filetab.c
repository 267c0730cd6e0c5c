/*
 * The open-file objects of files.img, below every fd kind: each object is
 * written once and found again (deduplicated) by device, inode and, for
 * fd-backed objects, kcmp(KCMP_FILE); REG entries for paths (a FIFO's, a
 * terminal's, a mapping's, cwd and root) are written here too.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kcmp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "array.h"
#include "dump-files.h"
#include "log.h"

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
static size_t key_search_fd(const struct dump_ctx *ctx, const struct dump_file_key *d, bool *found)
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

int dump_filetab_add(struct dump_ctx *ctx, const struct dump_file_key *k)
{
	if (ARRAY_GROW(ctx->keys, ctx->nr_keys) ||
	    (k->fd >= 0 && ARRAY_GROW(ctx->fd_order, ctx->nr_fd_order)))
		return -ENOMEM;
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

const struct dump_file_key *dump_filetab_find_fd(struct dump_ctx *ctx, const struct fd_desc *d)
{
	const struct dump_file_key k = {
		.dev = d->st.st_dev, .ino = d->st.st_ino, .pid = d->pid, .fd = d->fd};
	bool found;
	size_t at = key_search_fd(ctx, &k, &found);

	/* A new one is added at this place, unless another comes first. */
	ctx->fd_hint = (struct dump_fd_hint){at, ctx->nr_fd_order, d->pid, d->fd};
	return found ? &ctx->keys[ctx->fd_order[at]] : NULL;
}

void dump_filetab_fini(struct dump_ctx *ctx)
{
	free(ctx->keys);
	ctx->keys = NULL;
	free(ctx->fd_order);
	ctx->fd_order = NULL;
	ctx->nr_fd_order = 0;
	ctx->nr_keys = 0;
}

int dump_reg_entry(struct dump_ctx *ctx, const char *path, unsigned int flags,
		   const struct stat *st, uint32_t *id)
{
	FileEntry fe = FILE_ENTRY__INIT;
	RegFileEntry r = REG_FILE_ENTRY__INIT;
	FownEntry fown = FOWN_ENTRY__INIT;

	*id = ++ctx->next_file_id;
	r.id = *id;
	r.flags = flags;
	r.fown = &fown;
	r.name = (char *)path;
	r.has_size = true;
	r.size = (uint64_t)st->st_size;
	r.has_mode = true;
	r.mode = st->st_mode;
	fe.type = FD_TYPES__REG;
	fe.id = *id;
	fe.reg = &r;
	return img_write_msg(ctx->files_img, &fe.base);
}

int dump_reg_file(struct dump_ctx *ctx, const char *path, unsigned int flags, const struct stat *st,
		  uint32_t *id)
{
	struct dump_file_key k = {.dev = st->st_dev,
				  .ino = st->st_ino,
				  .flags = flags,
				  .fd = -1,
				  .type = FD_TYPES__REG};
	int ret;

	for (size_t i = 0; i < ctx->nr_keys; i++) {
		const struct dump_file_key *o = &ctx->keys[i];

		if (o->fd < 0 && o->dev == k.dev && o->ino == k.ino && o->flags == flags) {
			*id = o->id;
			return 0;
		}
	}
	ret = dump_reg_entry(ctx, path, flags, st, &k.id);
	if (!ret)
		ret = dump_filetab_add(ctx, &k);
	*id = k.id;
	return ret;
}

int dump_fd_unsupported(const struct fd_desc *d, const char *what)
{
	if (d->to_pid) {
		pr_err("unsupported fd %d of %d: a file in flight (SCM_RIGHTS) in its queue: %s",
		       d->to_fd, d->to_pid, what);
		return -EOPNOTSUPP;
	}
	pr_err("unsupported fd %d of %d: %s", d->fd, d->pid, what);
	return -EOPNOTSUPP;
}
