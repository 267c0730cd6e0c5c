/*
 * Restore: memfd files. Each memfd object of memfd.img is created once by
 * the tool (memfd_create with the recorded name, sealing allowed), sized,
 * filled from its shmem pages (pagemap-shmem-SHMID.img), given its owner and
 * then its seals (last: they may forbid writing and resizing). Each MEMFD
 * file_entry is a new open file description of that object, reopened through
 * /proc/self/fd with the recorded flags and offset; a mapping opens it in the
 * restored process through /proc/TOOL/fd, so the tool keeps the objects open
 * until every address space is rebuilt (the kind's fini, from rst_ctx_fini).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "array.h"
#include "log.h"
#include "restore-fd.h"

#include "memfd.pb-c.h"

#ifndef F_ADD_SEALS
#define F_ADD_SEALS 1033
#endif
#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U
#endif
#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif
#define RST_MEMFD_BUF (1u << 20)

/* The kind's state: memfd.img, read on the first memfd fd or mapping, and the objects. */
struct rst_memfds {
	MemfdInodeEntry **memfds;
	int *memfd_fds; /* the objects, created on first use; -1 before */
	bool *lent;	/* its memfd_create description went to a read-write fd */
	size_t nr_memfds;
	bool memfds_loaded;
};

static void *rst_memfd_init(void)
{
	return calloc(1, sizeof(struct rst_memfds));
}

static void rst_memfd_fini(void *st)
{
	struct rst_memfds *c = st;

	for (size_t i = 0; i < c->nr_memfds; i++) {
		if (c->memfd_fds[i] >= 0)
			close(c->memfd_fds[i]);
		img_free_msg(&c->memfds[i]->base);
	}
	free(c->memfds);
	free(c->memfd_fds);
	free(c->lent);
	free(c);
}

static int rst_memfd_load(const struct img_dir *dir, struct rst_memfds *c)
{
	ProtobufCMessage *m;
	struct img *img;
	int ret;

	if (c->memfds_loaded)
		return 0;
	ret = img_open(dir, IMG_MEMFD_INODE, 0, false, &img);
	if (ret)
		return ret;
	while ((ret = img_read_msg(img, &memfd_inode_entry__descriptor, &m)) == 1) {
		if (ARRAY_GROW(c->memfds, c->nr_memfds) || ARRAY_GROW(c->memfd_fds, c->nr_memfds) ||
		    ARRAY_GROW(c->lent, c->nr_memfds)) {
			img_free_msg(m);
			ret = -ENOMEM;
			break;
		}
		c->memfds[c->nr_memfds] = (MemfdInodeEntry *)m;
		c->lent[c->nr_memfds] = false;
		c->memfd_fds[c->nr_memfds++] = -1;
	}
	img_close(img);
	c->memfds_loaded = ret >= 0;
	return ret < 0 ? ret : 0;
}

/* hugetlbfs has no write(): the pages go in through a mapping of the object. */
static int rst_memfd_fill_mapped(const struct rst_ctx *c, const struct rst_segs *segs,
				 const MemfdInodeEntry *mi, int fd)
{
	char *m = mi->size ? mmap(NULL, mi->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) : NULL;
	int ret = 0;

	if (m == MAP_FAILED)
		return -errno;
	for (size_t i = 0; !ret && i < segs->n; i++) {
		const struct rst_seg *s = &segs->s[i];
		uint64_t len = s->len;

		if (s->vaddr >= mi->size)
			continue;
		if (len > mi->size - s->vaddr)
			len = mi->size - s->vaddr;
		if (pread(s->pages_fd, m + s->vaddr, len, (off_t)s->off) != (ssize_t)len)
			ret = errno ? -errno : -EIO;
		else
			ret = rst_csums_check(&c->csums, s, 0, m + s->vaddr, len, 0);
	}
	if (m)
		munmap(m, mi->size);
	return ret;
}

/* Copies the object's saved pages into @fd, never past @size. */
static int rst_memfd_fill(struct rst_ctx *c, const MemfdInodeEntry *mi, int fd)
{
	struct rst_segs segs = {0};
	char *buf = NULL;
	int ret;

	ret = rst_shmem_resolve(c, mi->shmid, &segs);
	if (!ret && mi->has_hugetlb_flag && mi->hugetlb_flag) {
		ret = rst_memfd_fill_mapped(c, &segs, mi, fd);
		rst_segs_free(&segs);
		return ret;
	}
	if (!ret && segs.n && !(buf = malloc(RST_MEMFD_BUF)))
		ret = -ENOMEM;
	for (size_t i = 0; !ret && i < segs.n; i++) {
		const struct rst_seg *s = &segs.s[i];
		uint64_t done = 0, len = s->len;

		if (s->vaddr >= mi->size)
			continue;
		if (len > mi->size - s->vaddr)
			len = mi->size - s->vaddr;
		while (!ret && done < len) {
			size_t want = len - done > RST_MEMFD_BUF ? RST_MEMFD_BUF : len - done;
			ssize_t n = pread(s->pages_fd, buf, want, (off_t)(s->off + done));

			if (n <= 0)
				ret = n < 0 ? -errno : -EIO;
			else if ((ret = rst_csums_check(&c->csums, s, done, buf, (size_t)n, 0)))
				break;
			else if (pwrite(fd, buf, (size_t)n, (off_t)(s->vaddr + done)) != n)
				ret = -EIO;
			done += n > 0 ? (uint64_t)n : 0;
		}
	}
	free(buf);
	rst_segs_free(&segs);
	return ret;
}

/*
 * Executable (MFD_EXEC, 6.3+) so that any recorded mode can be set: older
 * kernels refuse the flag (EINVAL), vm.memfd_noexec=2 refuses it (EACCES):
 * then without it, the recorded mode's exec bits are refused by fchmod.
 */
static int rst_memfd_new(const char *name, unsigned int huge)
{
	unsigned int flags = MFD_CLOEXEC | MFD_ALLOW_SEALING | huge;
	int fd = memfd_create(name, flags | MFD_EXEC);

	if (fd < 0 && (errno == EINVAL || errno == EACCES))
		fd = memfd_create(name, flags);
	return fd;
}

static int rst_memfd_create(struct rst_ctx *c, const MemfdInodeEntry *mi, int *fdp)
{
	const char *what = "memfd_create";
	int fd, ret = 0;

	fd = rst_memfd_new(mi->name, mi->has_hugetlb_flag ? mi->hugetlb_flag : 0);
	if (fd < 0)
		ret = -errno;
	if (!ret && ftruncate(fd, (off_t)mi->size)) {
		what = "resize";
		ret = -errno;
	}
	if (!ret) {
		what = "content";
		ret = rst_memfd_fill(c, mi, fd);
	}
	if (!ret && fchown(fd, mi->uid, mi->gid)) {
		what = "owner";
		ret = -errno;
	}
	/* before the seals: F_SEAL_EXEC forbids changing the exec bits */
	if (!ret && mi->has_mode && fchmod(fd, (mode_t)mi->mode)) {
		what = "mode";
		ret = -errno;
	}
	if (!ret && mi->seals && fcntl(fd, F_ADD_SEALS, (int)mi->seals)) {
		what = "seals";
		ret = -errno;
	}
	if (ret) {
		pr_err("memfd '%s' (shmid %u): %s: %s%s", mi->name, mi->shmid, what, strerror(-ret),
		       mi->has_hugetlb_flag && mi->hugetlb_flag && ret == -ENOMEM
			       ? " (hugetlbfs: not enough free huge pages, see vm.nr_hugepages)"
			       : "");
		if (fd >= 0)
			close(fd);
		return ret;
	}
	*fdp = fd;
	return 0;
}

/* Index of @fe's object in the state's memfds, created on first use; -errno (logged). */
static int rst_memfd_object(struct rst_ctx *rc, const FileEntry *fe, struct rst_memfds **st)
{
	const MemfdFileEntry *m = fe->memfd;
	struct rst_memfds *c = *st = rst_fd_state(rc, &rst_fd_memfd);
	size_t i;
	int ret;

	ret = c ? rst_memfd_load(&rc->dir, c) : -ENOMEM;
	if (ret) {
		pr_err("memfd file id %u: memfd.img: %s", fe->id, strerror(-ret));
		return ret;
	}
	for (i = 0; i < c->nr_memfds && c->memfds[i]->inode_id != m->inode_id; i++)
		;
	if (i == c->nr_memfds) {
		pr_err("memfd file id %u: its object (inode %u) is not in memfd.img", fe->id,
		       m->inode_id);
		return -EINVAL;
	}
	if (c->memfd_fds[i] < 0) {
		ret = rst_memfd_create(rc, c->memfds[i], &c->memfd_fds[i]);
		if (ret)
			return ret;
	}
	return (int)i;
}

int rst_memfd_path(struct rst_ctx *c, const FileEntry *fe, char *path, size_t len)
{
	struct rst_memfds *s;
	int i = rst_memfd_object(c, fe, &s);

	if (i < 0)
		return i;
	snprintf(path, len, "/proc/%d/fd/%d", (int)getpid(), s->memfd_fds[i]);
	return 0;
}

/*
 * A new description of object @i with @flags, or -1 (errno). memfd_create's
 * own description is read-write but not counted as a writer (the kernel
 * opens it as a pseudo file), so exec of the memfd works through it; one
 * reopened through /proc for writing counts, and exec fails with ETXTBSY
 * while it is open. The dump cannot tell which description was the
 * original: the first read-write one of each object gets memfd_create's
 * (a dup of the tool's; its status flags set), the others are reopened.
 */
static int rst_memfd_reopen(struct rst_memfds *c, size_t i, int flags)
{
	char path[64];
	int fd;

	if ((flags & O_ACCMODE) == O_RDWR && !c->lent[i]) {
		fd = fcntl(c->memfd_fds[i], F_DUPFD_CLOEXEC, 0);
		if (fd >= 0 && fcntl(fd, F_SETFL, flags & ~O_ACCMODE)) {
			close(fd);
			return -1;
		}
		c->lent[i] = fd >= 0;
		return fd;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", c->memfd_fds[i]);
	return open(path, flags | O_CLOEXEC);
}

static int rst_memfd_open(struct rst_ctx *rc, const struct rst_task *t, const FileEntry *fe,
			  int *fdp)
{
	const MemfdFileEntry *m = fe->memfd;
	int flags = (int)m->flags & ~(O_CREAT | O_TRUNC | O_EXCL | O_CLOEXEC);
	struct rst_memfds *c;
	int i = rst_memfd_object(rc, fe, &c);
	int fd, ret;

	if (i < 0)
		return i;
	fd = rst_memfd_reopen(c, (size_t)i, flags);
	if (fd < 0 || lseek(fd, (off_t)m->pos, SEEK_SET) < 0) {
		ret = -errno;
		pr_err("memfd '%s' (file id %u): reopen with flags 0%o at %llu: %s",
		       c->memfds[i]->name, fe->id, flags, (unsigned long long)m->pos,
		       strerror(errno));
		if (fd >= 0)
			close(fd);
		return ret;
	}
	*fdp = fd;
	return 0;
}

static bool rst_memfd_check(const FileEntry *fe)
{
	return fe->memfd;
}

RST_FD_FOWN(rst_memfd_fown, memfd)

const struct fd_rst_ops rst_fd_memfd = {
	.name = "memfd",
	.type = FD_TYPES__MEMFD,
	.init = rst_memfd_init,
	.fini = rst_memfd_fini,
	.check = rst_memfd_check,
	.open = rst_memfd_open,
	.fown = rst_memfd_fown,
};
