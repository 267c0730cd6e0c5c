/*
 * Ghost images (ghost-file-ID.img): the content of a file that has no name
 * left, carried in the images. A regular file of three pages or more is
 * written as chunks, one per data extent found with SEEK_DATA/SEEK_HOLE, so
 * holes cost nothing and come back as holes; a smaller one as its raw bytes
 * (CRIU's layout, either way); a FIFO as its entry alone.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dump-files.h"
#include "ghost-file.pb-c.h"
#include "log.h"

#define GHOST_CHUNKED_MIN (3 * 4096) /* smaller files are written whole */

/* Copies @len bytes at @off of @fd into @img; a file that shrank meanwhile is padded. */
static int ghost_copy(struct dump_ctx *ctx, struct img *img, int fd, off_t off, uint64_t len)
{
	while (len) {
		size_t want = len > ctx->pagebuf_len ? ctx->pagebuf_len : (size_t)len;
		ssize_t n = pread(fd, ctx->pagebuf, want, off);
		int ret;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0) { /* the entry promised these bytes */
			memset(ctx->pagebuf, 0, want);
			n = (ssize_t)want;
		}
		ret = img_write_raw(img, ctx->pagebuf, (size_t)n);
		if (ret)
			return ret;
		off += n;
		len -= (uint64_t)n;
	}
	return 0;
}

/*
 * The next data extent of @fd at or after @from: [*data, *hole). 0, 1 at
 * the end, -errno. A file system without SEEK_DATA has one extent.
 */
static int ghost_extent(int fd, off_t from, off_t size, off_t *data, off_t *hole)
{
	if (from >= size)
		return 1;
	*data = lseek(fd, from, SEEK_DATA);
	if (*data < 0 && errno == ENXIO)
		return 1;
	if (*data < 0 && (errno == EINVAL || errno == EOPNOTSUPP) && from == 0) {
		*data = 0;
		*hole = size;
		return 0;
	}
	if (*data < 0)
		return -errno;
	*hole = lseek(fd, *data, SEEK_HOLE);
	if (*hole < 0)
		return -errno;
	if (*hole > size)
		*hole = size;
	return 0;
}

static int ghost_chunks(struct dump_ctx *ctx, struct img *img, int fd, off_t size)
{
	off_t data, hole = 0;
	int ret;

	while (!(ret = ghost_extent(fd, hole, size, &data, &hole))) {
		GhostChunkEntry ce = GHOST_CHUNK_ENTRY__INIT;

		ce.off = (uint64_t)data;
		ce.len = (uint64_t)(hole - data);
		ret = img_write_msg(img, &ce.base);
		if (!ret)
			ret = ghost_copy(ctx, img, fd, data, ce.len);
		if (ret)
			return ret;
	}
	return ret < 0 ? ret : 0;
}

int dump_ghost_data_bytes(const char *link, off_t size, uint64_t *bytes)
{
	int fd = open(link, O_RDONLY | O_CLOEXEC);
	off_t data, hole = 0;
	int ret;

	if (fd < 0)
		return -errno;
	*bytes = 0;
	while (!(ret = ghost_extent(fd, hole, size, &data, &hole)))
		*bytes += (uint64_t)(hole - data);
	close(fd);
	return ret < 0 ? ret : 0;
}

int dump_ghost_file(struct dump_ctx *ctx, const char *link, const struct stat *st, uint32_t id)
{
	GhostFileEntry g = GHOST_FILE_ENTRY__INIT;
	struct img *img = NULL;
	int fd = -1, ret = 0;

	if (S_ISREG(st->st_mode)) {
		fd = open(link, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			ret = -errno;
			pr_err("dump: unlinked file '%s': %s", link, strerror(-ret));
			return ret;
		}
		g.has_size = true;
		g.size = (uint64_t)st->st_size;
		g.has_chunks = g.chunks = st->st_size >= GHOST_CHUNKED_MIN;
	}
	g.uid = st->st_uid;
	g.gid = st->st_gid;
	g.mode = st->st_mode;
	g.has_dev = g.has_ino = true;
	g.dev = (uint32_t)st->st_dev;
	g.ino = st->st_ino;
	ret = img_open(&ctx->dir, IMG_GHOST_FILE, id, true, &img);
	if (!ret)
		ret = img_write_msg(img, &g.base);
	if (!ret && fd >= 0)
		ret = g.chunks ? ghost_chunks(ctx, img, fd, st->st_size)
			       : ghost_copy(ctx, img, fd, 0, g.size);
	ret = img_close(img) ?: ret;
	if (fd >= 0)
		close(fd);
	if (ret)
		pr_err("dump: unlinked file '%s': %s", link, strerror(-ret));
	return ret;
}
