/*
 * memfd files. Each memfd object is written once: a memfd_inode_entry in
 * memfd.img (name, owner, size, seals) and its content as a shmem object,
 * pagemap-shmem-SHMID.img + pages (SHMID: its inode number, so a second fd
 * on the same object finds it in ctx->shmids). Each open file description
 * is a MEMFD file_entry with flags and offset. Mappings of a memfd are not
 * handled here (dump-mm refuses them as unlinked files).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "dump-files.h"
#include "log.h"
#include "memfd.pb-c.h"

#ifndef HUGETLBFS_MAGIC
#define HUGETLBFS_MAGIC 0x958458f6UL
#endif
#ifndef F_GET_SEALS
#define F_GET_SEALS 1034
#endif

static bool memfd_seen(const struct dump_ctx *ctx, unsigned long ino)
{
	for (size_t i = 0; i < ctx->nr_shmids; i++)
		if (ctx->shmids[i] == ino)
			return true;
	return false;
}

static bool memfd_hugetlb(const struct fd_desc *d)
{
	char path[64];
	struct statfs sf;

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", d->pid, d->fd);
	return statfs(path, &sf) == 0 && (unsigned long)sf.f_type == HUGETLBFS_MAGIC;
}

/* "/memfd:NAME (deleted)" -> NAME */
static void memfd_name(const char *path, char *name, size_t len)
{
	size_t n;

	snprintf(name, len, "%s", path + 7);
	n = strlen(name);
	if (n > 10 && !strcmp(name + n - 10, " (deleted)"))
		name[n - 10] = '\0';
}

static int memfd_inode(struct dump_ctx *ctx, const struct fd_desc *d)
{
	MemfdInodeEntry mi = MEMFD_INODE_ENTRY__INIT;
	unsigned long *n;
	char name[256], path[64];
	int fd, seals, ret;

	fd = dump_steal_fd(d->pid, d->fd);
	if (fd < 0)
		return fd;
	seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0)
		seals = 0; /* created without MFD_ALLOW_SEALING: EINVAL on old kernels */
	memfd_name(d->path, name, sizeof(name));
	mi.name = name;
	mi.uid = d->st.st_uid;
	mi.gid = d->st.st_gid;
	mi.size = (uint64_t)d->st.st_size;
	mi.shmid = (uint32_t)d->st.st_ino;
	mi.seals = (uint32_t)seals;
	mi.inode_id = d->st.st_ino;
	ret = ctx->memfd_img ? 0 : img_open(&ctx->dir, IMG_MEMFD_INODE, 0, true, &ctx->memfd_img);
	if (!ret)
		ret = img_write_msg(ctx->memfd_img, &mi.base);
	close(fd);
	/* The content through a description of our own: SEEK_DATA moves the offset. */
	snprintf(path, sizeof(path), "/proc/%d/fd/%d", d->pid, d->fd);
	fd = ret ? -1 : open(path, O_RDONLY | O_CLOEXEC);
	if (!ret && fd < 0)
		ret = -errno;
	if (!ret)
		ret = dump_shmem_fd(ctx, d->pid, fd, d->st.st_size, mi.shmid);
	if (fd >= 0)
		close(fd);
	if (ret)
		return ret;
	n = realloc(ctx->shmids, (ctx->nr_shmids + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	ctx->shmids = n;
	ctx->shmids[ctx->nr_shmids++] = d->st.st_ino;
	return 0;
}

int dump_fd_memfd(struct dump_ctx *ctx, const struct fd_desc *d, FileEntry *fe, struct fd_bufs *b)
{
	MemfdFileEntry *m = &b->memfd;
	int ret;

	if (memfd_hugetlb(d))
		return dump_fd_unsupported(d, "memfd on hugetlbfs (MFD_HUGETLB)");
	if (!memfd_seen(ctx, d->st.st_ino)) {
		ret = memfd_inode(ctx, d);
		if (ret) {
			pr_err("dump: memfd '%s' of fd %d of %d: %s", d->path, d->fd, d->pid,
			       strerror(-ret));
			return ret;
		}
	}
	m->id = fe->id;
	m->flags = d->fi.flags & ~O_CLOEXEC;
	m->pos = d->fi.pos;
	m->fown = &b->fown;
	m->inode_id = (uint32_t)d->st.st_ino;
	fe->type = FD_TYPES__MEMFD;
	fe->memfd = m;
	return 0;
}
