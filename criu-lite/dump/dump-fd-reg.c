/*
 * Files opened by path: regular files, directories and the plain character
 * devices (null, zero, full, random, urandom), as REG entries with flags and
 * offset, and O_PATH fds on any path (a symlink itself with O_NOFOLLOW:
 * the fd's stat is the link's). An unlinked regular file keeps its content
 * in ghost-file-ID.img (dump-fd-ghost.c) when it has no other link, or is
 * linked to a new name for the restore when it has (dump-remap.c). Block
 * devices and other character devices are refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "dump-files.h"
#include "log.h"

struct reg_state {
	RegFileEntry r;			/* the entry being built */
	struct dump_link_remaps remaps; /* names given to unlinked files with other links */
};

static int reg_init(struct dump_ctx *ctx, void **st)
{
	struct reg_state *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	s->remaps.dir = &ctx->dir;
	*st = s;
	return 0;
}

static int reg_close(void *st)
{
	return st ? dump_link_remaps_close(&((struct reg_state *)st)->remaps) : 0;
}

static void reg_fini(void *st)
{
	if (st)
		dump_link_remaps_fini(&((struct reg_state *)st)->remaps);
	free(st);
}

static bool chr_plain(const struct stat *st)
{
	/* mem devices (major 1): null 3, zero 5, full 7, random 8, urandom 9 */
	unsigned int mi = minor(st->st_rdev);

	return major(st->st_rdev) == 1 && (mi == 3 || mi == 5 || mi == 7 || mi == 8 || mi == 9);
}

/* An unlinked file with no other link: its content into a ghost image (holes not counted). */
static int ghost_file(struct dump_ctx *ctx, const struct fd_desc *d, uint32_t id)
{
	uint64_t bytes;
	char link[64], what[128];
	int ret;

	snprintf(link, sizeof(link), "/proc/%d/fd/%d", d->pid, d->fd);
	ret = dump_ghost_data_bytes(link, d->st.st_size, &bytes);
	if (ret) {
		pr_err("dump: unlinked file '%s' (fd %d of %d): %s", d->path, d->fd, d->pid,
		       strerror(-ret));
		return ret;
	}
	if (bytes > ctx->o->ghost_limit) {
		snprintf(what, sizeof(what),
			 "unlinked file with %llu bytes of data, over --ghost-limit (%llu)",
			 (unsigned long long)bytes, ctx->o->ghost_limit);
		return dump_fd_unsupported(d, what);
	}
	return dump_ghost_file(ctx, link, &d->st, id);
}

/* An O_PATH fd opens nothing behind its path: any file type, a symlink itself included. */
static bool reg_opath(const struct fd_desc *d)
{
	return (d->fi.flags & O_PATH) && d->path[0] == '/';
}

static int reg_match(const struct fd_desc *d)
{
	return S_ISREG(d->st.st_mode) || S_ISDIR(d->st.st_mode) || S_ISCHR(d->st.st_mode) ||
	       reg_opath(d);
}

static int reg_dump(struct dump_ctx *ctx, void *st, struct fd_desc *d, FileEntry *fe)
{
	RegFileEntry *r = &((struct reg_state *)st)->r;
	size_t len = strlen(d->path);
	bool ghost = false, linked = false;

	if (reg_opath(d)) {
		if (len > 10 && !strcmp(d->path + len - 10, " (deleted)"))
			return dump_fd_unsupported(d, "O_PATH fd on an unlinked file");
	} else if (S_ISCHR(d->st.st_mode) && !chr_plain(&d->st)) {
		return dump_fd_unsupported(d, "character device");
	}
	if (len > 10 && !strcmp(d->path + len - 10, " (deleted)")) {
		if (!S_ISREG(d->st.st_mode))
			return dump_fd_unsupported(d, "unlinked file that is not a regular file");
		d->path[len - 10] = '\0';
		ghost = d->st.st_nlink == 0;
		linked = !ghost;
	} else if (S_ISREG(d->st.st_mode) && d->st.st_nlink == 0) {
		return dump_fd_unsupported(d, "unlinked file");
	}
	if (d->path[0] != '/')
		return dump_fd_unsupported(d, d->path);
	reg_file_entry__init(r);
	r->id = fe->id;
	r->flags = d->fi.flags & ~O_CLOEXEC;
	r->fown = d->fown;
	r->name = d->path;
	r->has_size = true;
	r->size = (uint64_t)d->st.st_size;
	r->has_mode = true;
	r->mode = d->st.st_mode;
	r->pos = d->fi.pos;
	r->has_mnt_id = true;
	r->mnt_id = d->fi.mnt_id;
	fe->type = FD_TYPES__REG;
	fe->reg = r;
	if (linked)
		return dump_link_remap(ctx, &((struct reg_state *)st)->remaps, d, fe->id);
	return ghost ? ghost_file(ctx, d, fe->id) : 0;
}

const struct fd_dump_ops dump_fd_reg = {
	.name = "reg",
	.type = FD_TYPES__REG,
	.init = reg_init,
	.match = reg_match,
	.dump = reg_dump,
	.close = reg_close,
	.fini = reg_fini,
};

static int blk_match(const struct fd_desc *d)
{
	return S_ISBLK(d->st.st_mode) && !reg_opath(d);
}

static int blk_dump(struct dump_ctx *ctx, void *st, struct fd_desc *d, FileEntry *fe)
{
	return dump_fd_unsupported(d, "block device");
}

const struct fd_dump_ops dump_fd_blk = {
	.name = "block device",
	.type = FD_TYPES__UND,
	.match = blk_match,
	.dump = blk_dump,
};
