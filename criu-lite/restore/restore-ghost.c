/*
 * Restore: files that had no name at dump time, from their ghost images
 * (ghost-file-ID.img, dump-fd-ghost.c): the content streamed back (chunks
 * written at their offsets, holes left as holes), owner and mode as they
 * were. An O_TMPFILE file is made with O_TMPFILE again, in the directory it
 * was made in, so it can still be linked in; any other regular file and a
 * FIFO get a name next to their old one, are opened and lose it again.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "restore-fd.h"

#include "ghost-file.pb-c.h"

#define GHOST_BUF (64u << 10)
#define TMPFILE_BIT (O_TMPFILE & ~O_DIRECTORY)

int rst_ghost_load(struct rst_ctx *c, uint32_t id, struct rst_ghost *gh)
{
	char name[64];
	int ret;

	snprintf(name, sizeof(name), "ghost-file-%x.img", id);
	if (faccessat(c->dir.fd, name, F_OK, AT_SYMLINK_NOFOLLOW))
		return -ENOENT;
	ret = img_open(&c->dir, IMG_GHOST_FILE, id, false, &gh->img);
	if (ret)
		return ret;
	ret = img_read_msg(gh->img, &ghost_file_entry__descriptor, (ProtobufCMessage **)&gh->g);
	if (ret == 0) {
		pr_err("image '%s': no entry", gh->img->path);
		ret = -EINVAL;
	}
	if (ret < 0) {
		img_close(gh->img);
		gh->img = NULL;
		return ret;
	}
	return 0;
}

void rst_ghost_free(struct rst_ghost *gh)
{
	if (gh->g)
		img_free_msg(&gh->g->base);
	img_close(gh->img);
	gh->g = NULL;
	gh->img = NULL;
}

/* @len bytes of the image into @fd at @off. */
static int ghost_copy(struct img *img, int fd, char *buf, uint64_t off, uint64_t len)
{
	while (len) {
		size_t n = len > GHOST_BUF ? GHOST_BUF : (size_t)len;
		int ret = img_read_raw(img, buf, n);

		if (ret)
			return ret;
		if (pwrite(fd, buf, n, (off_t)off) != (ssize_t)n)
			return errno ? -errno : -EIO;
		off += n;
		len -= n;
	}
	return 0;
}

/* The content into @fd (empty, writable): whole, or chunk by chunk over a file of its size. */
static int ghost_fill(struct rst_ghost *gh, int fd)
{
	const GhostFileEntry *g = gh->g;
	char *buf = malloc(GHOST_BUF);
	ProtobufCMessage *m;
	int ret = 0;

	if (!buf)
		return -ENOMEM;
	if (!g->chunks) {
		ret = ghost_copy(gh->img, fd, buf, 0, g->size);
		goto out;
	}
	if (ftruncate(fd, (off_t)g->size)) {
		ret = -errno;
		goto out;
	}
	while ((ret = img_read_msg(gh->img, &ghost_chunk_entry__descriptor, &m)) == 1) {
		const GhostChunkEntry *ce = (const GhostChunkEntry *)m;

		ret = ce->off + ce->len > g->size ? -EINVAL
						  : ghost_copy(gh->img, fd, buf, ce->off, ce->len);
		img_free_msg(m);
		if (ret)
			break;
	}
out:
	free(buf);
	return ret < 0 ? ret : 0;
}

/* Owner and mode as dumped: chown only when creating with the task's rights made another. */
static int ghost_attrs(const GhostFileEntry *g, int fd)
{
	struct stat st;

	if (fstat(fd, &st))
		return -errno;
	if ((st.st_uid != g->uid || st.st_gid != g->gid) && fchown(fd, g->uid, g->gid))
		return -errno;
	if ((st.st_mode & 07777) != (g->mode & 07777) && fchmod(fd, g->mode & 07777))
		return -errno;
	return 0;
}

/* Creates the file (regular or FIFO) at @path, which must not exist. */
static int ghost_create(struct rst_ghost *gh, const char *path)
{
	const GhostFileEntry *g = gh->g;
	int fd, ret;

	if (S_ISFIFO(g->mode)) {
		/* Opening a FIFO could block: it goes by its name. */
		if (mknod(path, S_IFIFO | 0600, 0))
			return -errno;
		ret = lchown(path, g->uid, g->gid) || chmod(path, g->mode & 07777) ? -errno : 0;
		if (ret)
			unlink(path);
		return ret;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	ret = ghost_fill(gh, fd);
	if (!ret)
		ret = ghost_attrs(g, fd);
	close(fd);
	if (ret)
		unlink(path);
	return ret;
}

int rst_ghost_name(const char *name, char *path, size_t len)
{
	snprintf(path, len, "%s", name);
	for (int i = 0; faccessat(AT_FDCWD, path, F_OK, AT_SYMLINK_NOFOLLOW) == 0; i++) {
		if (i == 100)
			return -EEXIST;
		snprintf(path, len, "%s.crl-ghost.%d", name, i);
	}
	return 0;
}

int rst_ghost_make(struct rst_ghost *gh, const char *name, char *path, size_t len)
{
	int ret = rst_ghost_name(name, path, len);

	return ret ? ret : ghost_create(gh, path);
}

/* An O_TMPFILE file again: made unnamed (and linkable) in @dir with @flags, then filled. */
static int ghost_tmpfile(struct rst_ghost *gh, const char *name, int flags, int *fdp)
{
	char dir[4096], *slash, self[64];
	int fd, wfd, ret;

	snprintf(dir, sizeof(dir), "%s", name);
	slash = strrchr(dir, '/');
	if (!slash)
		return -EINVAL;
	*(slash == dir ? slash + 1 : slash) = '\0';
	fd = open(dir, flags | O_CLOEXEC, gh->g->mode & 07777);
	if (fd < 0)
		return -errno;
	/* Written through a description of its own: @fd keeps its offset and flags. */
	snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
	wfd = open(self, O_WRONLY | O_CLOEXEC);
	ret = wfd < 0 ? -errno : ghost_fill(gh, wfd);
	if (!ret)
		ret = ghost_attrs(gh->g, wfd);
	if (wfd >= 0)
		close(wfd);
	if (ret) {
		close(fd);
		return ret;
	}
	*fdp = fd;
	return 0;
}

int rst_ghost_open(const FileEntry *fe, struct rst_ghost *gh, int flags, int *fdp)
{
	const char *name = fe->reg->name;
	char path[4200];
	int ret, fd = -1;

	if ((flags & TMPFILE_BIT) && S_ISREG(gh->g->mode)) {
		ret = ghost_tmpfile(gh, name, flags, fdp);
		if (ret)
			pr_err("O_TMPFILE file '%s' (id %u): cannot make it again: %s", name,
			       fe->id, strerror(-ret));
		return ret;
	}
	ret = rst_ghost_make(gh, name, path, sizeof(path));
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
