/*
 * Files opened by path: regular files, directories and the plain character
 * devices (null, zero, full, random, urandom), as REG entries with flags and
 * offset, and O_PATH fds on any path (a symlink itself with O_NOFOLLOW:
 * the fd's stat is the link's). An unlinked regular file (no other link, at most 64 MiB) keeps
 * its content in ghost-file-ID.img. Block devices and other character
 * devices are refused.
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
#include "ghost-file.pb-c.h"
#include "log.h"

struct reg_state {
	RegFileEntry r; /* the entry being built */
};

static int reg_init(struct dump_ctx *ctx, void **st)
{
	*st = calloc(1, sizeof(struct reg_state));
	return *st ? 0 : -ENOMEM;
}

static void reg_fini(void *st)
{
	free(st);
}

static bool chr_plain(const struct stat *st)
{
	/* mem devices (major 1): null 3, zero 5, full 7, random 8, urandom 9 */
	unsigned int mi = minor(st->st_rdev);

	return major(st->st_rdev) == 1 && (mi == 3 || mi == 5 || mi == 7 || mi == 8 || mi == 9);
}

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

	if ((unsigned long long)d->st.st_size > ctx->o->ghost_limit)
		return dump_fd_unsupported(
			d, "unlinked file larger than --ghost-limit (64M unless set)");
	snprintf(link, sizeof(link), "/proc/%d/fd/%d", d->pid, d->fd);
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
	bool ghost = false;

	if (reg_opath(d)) {
		if (len > 10 && !strcmp(d->path + len - 10, " (deleted)"))
			return dump_fd_unsupported(d, "O_PATH fd on an unlinked file");
	} else if (S_ISCHR(d->st.st_mode) && !chr_plain(&d->st)) {
		return dump_fd_unsupported(d, "character device");
	}
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
	return ghost ? ghost_file(ctx, d, fe->id) : 0;
}

const struct fd_dump_ops dump_fd_reg = {
	.name = "reg",
	.type = FD_TYPES__REG,
	.init = reg_init,
	.match = reg_match,
	.dump = reg_dump,
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
