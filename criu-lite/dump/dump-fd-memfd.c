/*
 * memfd files. Each memfd object is written once: a memfd_inode_entry in
 * memfd.img (name, owner, mode, size, seals) and its content as a shmem object,
 * pagemap-shmem-SHMID.img + pages (SHMID: its inode number, so a second fd
 * on the same object finds it in ctx->shmids, the run's set of shmem
 * objects written, which shared anonymous mappings share). Each open file description
 * is a MEMFD file_entry with flags and offset; so is each mapping of a
 * memfd (dump_memfd_vma, no offset), which its vma_entry names like a file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "array.h"
#include "dump-files.h"
#include "log.h"
#include "memfd.pb-c.h"

#ifndef MFD_HUGE_SHIFT
#define MFD_HUGE_SHIFT 26 /* linux/memfd.h: log2 of the huge page size from bit 26 */
#endif
#ifndef HUGETLBFS_MAGIC
#define HUGETLBFS_MAGIC 0x958458f6UL
#endif
#ifndef F_GET_SEALS
#define F_GET_SEALS 1034
#endif

/* The kind's state for one dump. */
struct memfd_state {
	struct img *img;  /* memfd.img, opened on the first memfd */
	MemfdFileEntry m; /* the entry being built */
};

static bool memfd_seen(const struct dump_ctx *ctx, unsigned long ino)
{
	for (size_t i = 0; i < ctx->nr_shmids; i++)
		if (ctx->shmids[i] == ino)
			return true;
	return false;
}

/*
 * MFD_HUGETLB with the huge page size (MFD_HUGE_SHIFT encoding, as
 * memfd_create takes it) for a memfd on hugetlbfs, else 0.
 */
static uint32_t memfd_hugetlb(const char *link)
{
	struct statfs sf;
	uint32_t shift = 0;

	if (statfs(link, &sf) || (unsigned long)sf.f_type != HUGETLBFS_MAGIC)
		return 0;
	while (shift < 63 && (1ul << shift) < (unsigned long)sf.f_bsize)
		shift++;
	return MFD_HUGETLB | (shift << MFD_HUGE_SHIFT);
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

/*
 * The object behind @link (/proc/PID/fd/N or /proc/PID/map_files/A-B), read
 * through a description of our own (SEEK_DATA moves the offset).
 */
static int memfd_inode(struct dump_ctx *ctx, struct memfd_state *s, pid_t pid, const char *link,
		       const char *mpath, const struct stat *st)
{
	MemfdInodeEntry mi = MEMFD_INODE_ENTRY__INIT;
	char name[256];
	int fd, seals, ret = 0;

	fd = open(link, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0)
		seals = 0; /* created without MFD_ALLOW_SEALING: EINVAL on old kernels */
	memfd_name(mpath, name, sizeof(name));
	mi.name = name;
	mi.uid = st->st_uid;
	mi.gid = st->st_gid;
	mi.size = (uint64_t)st->st_size;
	mi.shmid = (uint32_t)st->st_ino;
	mi.seals = (uint32_t)seals;
	mi.inode_id = st->st_ino;
	mi.hugetlb_flag = memfd_hugetlb(link);
	mi.has_hugetlb_flag = mi.hugetlb_flag != 0;
	mi.has_mode = true;
	mi.mode = st->st_mode & 07777;
	if (!s->img)
		ret = img_open(&ctx->dir, IMG_MEMFD_INODE, 0, true, &s->img);
	if (!ret)
		ret = img_write_msg(s->img, &mi.base);
	if (!ret)
		ret = dump_shmem_fd(ctx, pid, fd, st->st_size, mi.shmid);
	close(fd);
	if (ret)
		return ret;
	if (ARRAY_GROW(ctx->shmids, ctx->nr_shmids))
		return -ENOMEM;
	ctx->shmids[ctx->nr_shmids++] = st->st_ino;
	return 0;
}

int dump_memfd_vma(struct dump_ctx *ctx, pid_t pid, unsigned long start, unsigned long end,
		   const char *mpath, unsigned int flags, uint32_t *id)
{
	FileEntry fe = FILE_ENTRY__INIT;
	MemfdFileEntry m = MEMFD_FILE_ENTRY__INIT;
	FownEntry fown = FOWN_ENTRY__INIT;
	struct stat st;
	char link[96];
	int ret = 0;

	snprintf(link, sizeof(link), "/proc/%d/map_files/%lx-%lx", pid, start, end);
	if (stat(link, &st))
		ret = -errno;
	else if (!memfd_seen(ctx, st.st_ino))
		ret = memfd_inode(ctx, ctx->fd_state[FD_TYPES__MEMFD], pid, link, mpath, &st);
	if (ret) {
		pr_err("dump: mapping %lx-%lx of pid %d: memfd '%s': %s", start, end, pid, mpath,
		       strerror(-ret));
		return ret;
	}
	m.id = fe.id = *id = ++ctx->next_file_id;
	m.flags = flags;
	m.fown = &fown;
	m.inode_id = (uint32_t)st.st_ino;
	fe.type = FD_TYPES__MEMFD;
	fe.memfd = &m;
	return img_write_msg(ctx->files_img, &fe.base);
}

static int memfd_dump(struct dump_ctx *ctx, void *st, struct fd_desc *d, FileEntry *fe)
{
	MemfdFileEntry *m = &((struct memfd_state *)st)->m;
	char link[64];
	int ret;

	snprintf(link, sizeof(link), "/proc/%d/fd/%d", d->pid, d->fd);
	if (!memfd_seen(ctx, d->st.st_ino)) {
		ret = memfd_inode(ctx, st, d->pid, link, d->path, &d->st);
		if (ret) {
			pr_err("dump: memfd '%s' of fd %d of %d: %s", d->path, d->fd, d->pid,
			       strerror(-ret));
			return ret;
		}
	}
	memfd_file_entry__init(m);
	m->id = fe->id;
	m->flags = d->fi.flags & ~O_CLOEXEC;
	m->pos = d->fi.pos;
	m->fown = d->fown;
	m->inode_id = (uint32_t)d->st.st_ino;
	fe->type = FD_TYPES__MEMFD;
	fe->memfd = m;
	return 0;
}

static int memfd_match(const struct fd_desc *d)
{
	return !strncmp(d->path, "/memfd:", 7) && S_ISREG(d->st.st_mode);
}

static int memfd_init(struct dump_ctx *ctx, void **st)
{
	*st = calloc(1, sizeof(struct memfd_state));
	return *st ? 0 : -ENOMEM;
}

static int memfd_close(void *st)
{
	struct memfd_state *s = st;
	int ret = s ? img_close(s->img) : 0;

	if (s)
		s->img = NULL;
	return ret;
}

static void memfd_fini(void *st)
{
	struct memfd_state *s = st;

	if (s)
		img_close(s->img);
	free(s);
}

const struct fd_dump_ops dump_fd_memfd = {
	.name = "memfd",
	.type = FD_TYPES__MEMFD,
	.init = memfd_init,
	.match = memfd_match,
	.dump = memfd_dump,
	.close = memfd_close,
	.fini = memfd_fini,
};
