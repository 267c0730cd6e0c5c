#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "img.h"
#include "log.h"

#include "core.pb-c.h"
#include "files.pb-c.h"
#include "file-lock.pb-c.h"
#include "fs.pb-c.h"
#include "ghost-file.pb-c.h"
#include "inventory.pb-c.h"
#include "ipc-shm.pb-c.h"
#include "ipc-var.pb-c.h"
#include "memfd.pb-c.h"
#include "mnt.pb-c.h"
#include "netdev.pb-c.h"
#include "mm.pb-c.h"
#include "pagecsum.pb-c.h"
#include "pagemap.pb-c.h"
#include "pipe-data.pb-c.h"
#include "pstree.pb-c.h"
#include "remap-file-path.pb-c.h"
#include "seccomp.pb-c.h"
#include "sk-packet.pb-c.h"
#include "stats.pb-c.h"
#include "tcp-stream.pb-c.h"
#include "timens.pb-c.h"
#include "tracker.pb-c.h"
#include "tty.pb-c.h"
#include "utsns.pb-c.h"
#include "cgroup.pb-c.h"

#define IMG_BUF_SIZE (64u << 10)

/* Type magics are CRIU's published values, so crit recognises the files. */
static const struct img_kind_desc kinds[IMG_KIND_MAX] = {
	[IMG_INVENTORY] = {"inventory.img", "INVENTORY", 0x58313116, IMG_FIRST_NONE, NULL,
			   &inventory_entry__descriptor, IMG_PAYLOAD_NONE},
	[IMG_PSTREE] = {"pstree.img", "PSTREE", 0x50273030, IMG_FIRST_COMMON, NULL,
			&pstree_entry__descriptor, IMG_PAYLOAD_NONE},
	[IMG_CORE] = {"core-%lu.img", "CORE", 0x55053847, IMG_FIRST_COMMON, NULL,
		      &core_entry__descriptor, IMG_PAYLOAD_NONE},
	[IMG_MM] = {"mm-%lu.img", "MM", 0x57492820, IMG_FIRST_COMMON, NULL, &mm_entry__descriptor,
		    IMG_PAYLOAD_NONE},
	[IMG_PAGEMAP] = {"pagemap-%lu.img", "PAGEMAP", 0x56084025, IMG_FIRST_COMMON,
			 &pagemap_head__descriptor, &pagemap_entry__descriptor, IMG_PAYLOAD_NONE},
	/* CRIU gives shmem pagemaps the pagemap magic. */
	[IMG_SHMEM_PAGEMAP] = {"pagemap-shmem-%lu.img", "PAGEMAP", 0x56084025, IMG_FIRST_COMMON,
			       &pagemap_head__descriptor, &pagemap_entry__descriptor,
			       IMG_PAYLOAD_NONE},
	[IMG_PAGES] = {"pages-%lu.img", "PAGES", 0, IMG_FIRST_NONE, NULL, NULL, IMG_PAYLOAD_NONE},
	[IMG_FDINFO] = {"fdinfo-%lu.img", "FDINFO", 0x56213732, IMG_FIRST_COMMON, NULL,
			&fdinfo_entry__descriptor, IMG_PAYLOAD_NONE},
	[IMG_FILES] = {"files.img", "FILES", 0x56303138, IMG_FIRST_COMMON, NULL,
		       &file_entry__descriptor, IMG_PAYLOAD_NONE},
	[IMG_FS] = {"fs-%lu.img", "FS", 0x51403912, IMG_FIRST_COMMON, NULL, &fs_entry__descriptor,
		    IMG_PAYLOAD_NONE},
	[IMG_IDS] = {"ids-%lu.img", "IDS", 0x54432030, IMG_FIRST_COMMON, NULL,
		     &task_kobj_ids_entry__descriptor, IMG_PAYLOAD_NONE},
	[IMG_STATS_DUMP] = {"stats-dump", "STATS", 0x57093306, IMG_FIRST_SERVICE, NULL,
			    &stats_entry__descriptor, IMG_PAYLOAD_NONE},
	[IMG_STATS_RESTORE] = {"stats-restore", "STATS", 0x57093306, IMG_FIRST_SERVICE, NULL,
			       &stats_entry__descriptor, IMG_PAYLOAD_NONE},
	[IMG_PIPES_DATA] = {"pipes-data.img", "PIPES_DATA", 0x56453709, IMG_FIRST_COMMON, NULL,
			    &pipe_data_entry__descriptor, IMG_PAYLOAD_PIPE_DATA},
	[IMG_FIFO_DATA] = {"fifo-data.img", "FIFO_DATA", 0x59333054, IMG_FIRST_COMMON, NULL,
			   &pipe_data_entry__descriptor, IMG_PAYLOAD_PIPE_DATA},
	[IMG_TTY_INFO] = {"tty-info.img", "TTY_INFO", 0x59453036, IMG_FIRST_COMMON, NULL,
			  &tty_info_entry__descriptor, IMG_PAYLOAD_NONE},
	/* A chunked ghost image: its entry, then one chunk entry per data extent. */
	[IMG_GHOST_FILE] = {"ghost-file-%lx.img", "GHOST_FILE", 0x52583605, IMG_FIRST_COMMON,
			    &ghost_file_entry__descriptor, &ghost_chunk_entry__descriptor,
			    IMG_PAYLOAD_GHOST},
	[IMG_TRACKER] = {"tracker-%lu.img", "TRACKER", 0x5f3a7e21, IMG_FIRST_COMMON,
			 &tracker_entry__descriptor, &page_digest_entry__descriptor,
			 IMG_PAYLOAD_NONE},
	[IMG_SK_QUEUES] = {"sk-queues.img", "SK_QUEUES", 0x56264026, IMG_FIRST_COMMON, NULL,
			   &sk_packet_entry__descriptor, IMG_PAYLOAD_SK_PACKET},
	[IMG_MEMFD_INODE] = {"memfd.img", "MEMFD_INODE", 0x48453499, IMG_FIRST_COMMON, NULL,
			     &memfd_inode_entry__descriptor, IMG_PAYLOAD_NONE},
	[IMG_TCP_STREAM] = {"tcp-stream-%lx.img", "TCP_STREAM", 0x51465506, IMG_FIRST_COMMON, NULL,
			    &tcp_stream_entry__descriptor, IMG_PAYLOAD_TCP_STREAM},
	[IMG_FILE_LOCKS] = {"filelocks.img", "FILE_LOCKS", 0x54323616, IMG_FIRST_COMMON, NULL,
			    &file_lock_entry__descriptor, IMG_PAYLOAD_NONE},
	[IMG_SECCOMP] = {"seccomp.img", "SECCOMP", 0x64413049, IMG_FIRST_COMMON, NULL,
			 &seccomp_entry__descriptor, IMG_PAYLOAD_NONE},
	[IMG_REMAP_FPATH] = {"remap-fpath.img", "REMAP_FPATH", 0x59133954, IMG_FIRST_COMMON, NULL,
			     &remap_file_path_entry__descriptor, IMG_PAYLOAD_NONE},
	[IMG_TTY_DATA] = {"tty-data.img", "TTY_DATA", 0x59413026, IMG_FIRST_COMMON, NULL,
			  &tty_data_entry__descriptor, IMG_PAYLOAD_NONE},
	/* criu-lite's own magic: crit does not know this kind */
	[IMG_PAGE_CSUM] = {"pagecsum-%lu.img", "PAGE_CSUM", 0x5f3a7e2c, IMG_FIRST_COMMON,
			   &page_csum_head__descriptor, &page_csum_entry__descriptor,
			   IMG_PAYLOAD_NONE},
	[IMG_UTSNS] = {"utsns-%lu.img", "UTSNS", 0x54473203, IMG_FIRST_COMMON, NULL,
		       &utsns_entry__descriptor, IMG_PAYLOAD_NONE},
	[IMG_IPC_VAR] = {"ipcns-var-%lu.img", "IPC_VAR", 0x53115007, IMG_FIRST_COMMON, NULL,
			 &ipc_var_entry__descriptor, IMG_PAYLOAD_NONE},
	[IMG_IPCNS_SHM] = {"ipcns-shm-%lu.img", "IPCNS_SHM", 0x46283044, IMG_FIRST_COMMON, NULL,
			   &ipc_shm_entry__descriptor, IMG_PAYLOAD_IPC_SHM},
	[IMG_MNTS] = {"mountpoints-%lu.img", "MNTS", 0x55563928, IMG_FIRST_COMMON, NULL,
		      &mnt_entry__descriptor, IMG_PAYLOAD_NONE},
	[IMG_TMPFS_DEV] = {"tmpfs-dev-%lu.tar.gz.img", "TMPFS", 0, IMG_FIRST_NONE, NULL, NULL,
			   IMG_PAYLOAD_NONE},
	[IMG_CGROUP] = {"cgroup.img", "CGROUP", 0x59383330, IMG_FIRST_COMMON, NULL,
			&cgroup_entry__descriptor, IMG_PAYLOAD_NONE},
	[IMG_TIMENS] = {"timens-%lu.img", "TIMENS", 0x43114433, IMG_FIRST_COMMON, NULL,
			&timens_entry__descriptor, IMG_PAYLOAD_NONE},
	[IMG_NETNS] = {"netns-%lu.img", "NETNS", 0x55933752, IMG_FIRST_COMMON, NULL,
		       &netns_entry__descriptor, IMG_PAYLOAD_NONE},
	[IMG_NETDEV] = {"netdev-%lu.img", "NETDEV", 0x57373951, IMG_FIRST_COMMON, NULL,
			&net_device_entry__descriptor, IMG_PAYLOAD_NONE},
	/* raw netlink dumps, as CRIU keeps them (iproute2's save format) */
	[IMG_IFADDR] = {"ifaddr-%lu.img", "IFADDR", 0, IMG_FIRST_NONE, NULL, NULL,
			IMG_PAYLOAD_NONE},
	[IMG_ROUTE] = {"route-%lu.img", "ROUTE", 0, IMG_FIRST_NONE, NULL, NULL, IMG_PAYLOAD_NONE},
	[IMG_ROUTE6] = {"route6-%lu.img", "ROUTE6", 0, IMG_FIRST_NONE, NULL, NULL,
			IMG_PAYLOAD_NONE},
};

const struct img_kind_desc *img_kind_desc(enum img_kind k)
{
	return k < IMG_KIND_MAX ? &kinds[k] : NULL;
}

static const struct img_kind_desc *img_kind_by_magic(uint32_t magic)
{
	for (int i = 0; i < IMG_KIND_MAX; i++)
		if (kinds[i].magic && kinds[i].magic == magic)
			return &kinds[i];
	return NULL;
}

/* Image names come from the table above, never from input. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static void img_name(const struct img_kind_desc *kd, unsigned long id, char *buf, size_t len)
{
	snprintf(buf, len, kd->name, id);
}
#pragma GCC diagnostic pop

/* ---- who may have written an images dir or image ---- */

/* Writable by someone other than its owner and root (a group of the caller's counts as its own). */
static bool img_others_write(const struct stat *st)
{
	if (st->st_mode & S_IWOTH)
		return true;
	return (st->st_mode & S_IWGRP) && st->st_gid != 0 && st->st_gid != getegid();
}

/*
 * An images dir, or an image read from one, must come from the caller or
 * root: anyone else could have planted what the tool then writes through
 * or believes. A sticky directory is fine: others cannot replace our files.
 */
static int img_check_writer(const struct img_dir *d, const char *what, const char *path,
			    const struct stat *st)
{
	bool w = d->flags & IMG_DIR_WRITE;
	const char *opt = w ? "--allow-unsafe-images-dir" : "--trust-images";
	const char *fix =
		w ? "use a directory of your own, or pass" : "if you trust its writer, pass";
	uid_t me = geteuid();

	if (d->flags & IMG_DIR_TRUSTED)
		return 0;
	if (st->st_uid != me && st->st_uid != 0) {
		if (me == 0)
			pr_err("%s '%s' is owned by uid %u, not by root: %s %s", what, path,
			       st->st_uid, fix, opt);
		else
			pr_err("%s '%s' is owned by uid %u, neither the caller (uid %u) nor root: "
			       "%s %s",
			       what, path, st->st_uid, me, fix, opt);
		return -EPERM;
	}
	if (img_others_write(st) && !(S_ISDIR(st->st_mode) && (st->st_mode & S_ISVTX))) {
		pr_err("%s '%s' is writable by others (mode %04o): chmod go-w it, or pass %s", what,
		       path, (unsigned int)(st->st_mode & 07777), opt);
		return -EPERM;
	}
	return 0;
}

/* ---- directories ---- */

static int img_dir_check(struct img_dir *d)
{
	struct stat st;
	int ret;

	if (fstat(d->fd, &st)) {
		ret = -errno;
		pr_err("images dir '%s': %s", d->path, strerror(-ret));
	} else {
		ret = img_check_writer(d, "images dir", d->path, &st);
	}
	if (ret)
		img_dir_close(d);
	return ret;
}

int img_dir_open(const char *path, unsigned int flags, struct img_dir *d)
{
	int fd;

	if (strlen(path) >= sizeof(d->path)) {
		pr_err("images dir '%.64s...': path too long", path);
		return -ENAMETOOLONG;
	}
	if ((flags & IMG_DIR_CREATE) && mkdir(path, 0700) && errno != EEXIST) {
		pr_err("images dir '%s': cannot create: %s", path, strerror(errno));
		return -errno;
	}
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;

		pr_err("images dir '%s': %s", path, strerror(e));
		return -e;
	}
	d->fd = fd;
	d->flags = flags & ~IMG_DIR_CREATE;
	snprintf(d->path, sizeof(d->path), "%s", path);
	return img_dir_check(d);
}

int img_dir_open_parent(const struct img_dir *d, struct img_dir *parent)
{
	int fd = openat(d->fd, "parent", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	parent->fd = fd;
	parent->flags = d->flags;
	snprintf(parent->path, sizeof(parent->path), "%.4080s/parent", d->path);
	return img_dir_check(parent);
}

int img_dir_link_parent(const struct img_dir *d, const char *target)
{
	if (unlinkat(d->fd, "parent", 0) && errno != ENOENT) {
		pr_err("images dir '%s': cannot replace 'parent': %s", d->path, strerror(errno));
		return -errno;
	}
	if (symlinkat(target, d->fd, "parent")) {
		pr_err("images dir '%s': cannot link parent '%s': %s", d->path, target,
		       strerror(errno));
		return -errno;
	}
	return 0;
}

void img_dir_close(struct img_dir *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
}

int img_dir_sync(const struct img_dir *d)
{
	/*
	 * syncfs writes back every file of the images' file system (the data
	 * and the inodes of all the images), fsync of the dir its entries.
	 */
	if (syncfs(d->fd) || fsync(d->fd)) {
		int e = errno;

		pr_err("images dir '%s': cannot write the images to disk: %s", d->path,
		       strerror(e));
		return -e;
	}
	return 0;
}

int img_remove(const struct img_dir *d, enum img_kind k, unsigned long id)
{
	char name[256];

	img_name(img_kind_desc(k), id, name, sizeof(name));
	if (unlinkat(d->fd, name, 0) && errno != ENOENT) {
		int e = errno;

		pr_err("image '%s/%s': cannot remove: %s", d->path, name, strerror(e));
		return -e;
	}
	return 0;
}

/* ---- files ---- */

static struct img *img_alloc(const char *path, int fd, bool write)
{
	struct img *img = calloc(1, sizeof(*img));

	if (!img)
		return NULL;
	img->fd = fd;
	img->writing = write;
	snprintf(img->path, sizeof(img->path), "%s", path);
	return img;
}

static int img_fill(struct img *img, size_t want)
{
	/* Make buf[pos..pos+want) available; returns bytes available (may be < want). */
	if (img->len - img->pos >= want)
		return (int)want;
	if (img->pos) {
		memmove(img->buf, img->buf + img->pos, img->len - img->pos);
		img->off += img->pos;
		img->len -= img->pos;
		img->pos = 0;
	}
	if (want > img->cap) {
		/* Read ahead a buffer's worth: two read()s per entry cost more than the parsing. */
		size_t cap = want > IMG_BUF_SIZE ? want : IMG_BUF_SIZE;
		uint8_t *nb = realloc(img->buf, cap);

		if (!nb)
			return -ENOMEM;
		img->buf = nb;
		img->cap = cap;
	}
	while (img->len < want) {
		ssize_t n = read(img->fd, img->buf + img->len, img->cap - img->len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		img->len += (size_t)n;
	}
	return (int)(img->len - img->pos < want ? img->len - img->pos : want);
}

static int img_get_u32(struct img *img, uint32_t *v, bool eof_ok)
{
	int n = img_fill(img, 4);
	uint8_t *p;

	if (n < 0) {
		pr_err("image '%s': read at offset %llu: %s", img->path,
		       (unsigned long long)(img->off + img->pos), strerror(-n));
		return n;
	}
	if (n == 0 && eof_ok)
		return 0;
	if (n < 4) {
		pr_err("image '%s': truncated at offset %llu (%d of 4 bytes)", img->path,
		       (unsigned long long)(img->off + img->pos), n);
		return -EIO;
	}
	p = img->buf + img->pos;
	*v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
	img->pos += 4;
	return 1;
}

static int img_check_magic(struct img *img, const struct img_kind_desc *k)
{
	uint32_t m;
	int ret;

	if (!k->magic)
		return 0;
	ret = img_get_u32(img, &m, false);
	if (ret < 0)
		return ret;
	if (m == IMG_COMMON_MAGIC || m == IMG_SERVICE_MAGIC) {
		ret = img_get_u32(img, &m, false);
		if (ret < 0)
			return ret;
	}
	if (m != k->magic) {
		pr_err("image '%s': wrong magic 0x%08x (expected %s 0x%08x)", img->path, m,
		       k->label, k->magic);
		return -EINVAL;
	}
	return 0;
}

static int img_put_u32(struct img *img, uint32_t v);

static int img_write_magic(struct img *img, const struct img_kind_desc *k)
{
	int ret = 0;

	if (!k->magic)
		return 0;
	if (k->first == IMG_FIRST_COMMON)
		ret = img_put_u32(img, IMG_COMMON_MAGIC);
	else if (k->first == IMG_FIRST_SERVICE)
		ret = img_put_u32(img, IMG_SERVICE_MAGIC);
	return ret ? ret : img_put_u32(img, k->magic);
}

static const char *img_ftype(mode_t m)
{
	if (S_ISFIFO(m))
		return "a fifo";
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISCHR(m) || S_ISBLK(m))
		return "a device";
	if (S_ISSOCK(m))
		return "a socket";
	return "not a regular file";
}

/*
 * Opens @path for reading (@dirfd-relative): O_NONBLOCK so that a FIFO
 * cannot make the open hang (the tree may be frozen), O_NOFOLLOW, then only
 * a regular file is kept. Returns the fd or -errno; logs all but ENOENT.
 */
static int img_open_regular(int dirfd, const char *name, const char *path, struct stat *st)
{
	int fd = openat(dirfd, name, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC), ret;

	if (fd < 0) {
		ret = -errno;
		if (ret == -ELOOP)
			pr_err("image '%s' is a symbolic link: images are never read through one; "
			       "remove it",
			       path);
		else if (ret != -ENOENT)
			pr_err("image '%s': %s", path, strerror(-ret));
		return ret;
	}
	if (fstat(fd, st)) {
		ret = -errno;
		pr_err("image '%s': %s", path, strerror(-ret));
		close(fd);
		return ret;
	}
	if (!S_ISREG(st->st_mode)) {
		pr_err("image '%s' is %s, not an image: remove it", path, img_ftype(st->st_mode));
		close(fd);
		return -EINVAL;
	}
	return fd;
}

/* An image of @d for reading: a regular file from a writer the tool trusts. */
static int img_open_read(const struct img_dir *d, const char *name, const char *path,
			 struct stat *st)
{
	int fd = img_open_regular(d->fd, name, path, st), ret;

	if (fd < 0)
		return fd;
	ret = img_check_writer(d, "image", path, st);
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

/*
 * A new image: whatever has the name (a file someone else owns or can
 * write, a FIFO, a symlink) is unlinked, never reused in place, and the
 * file is created exclusively, so it is the caller's and 0600.
 */
static int img_create(const struct img_dir *d, const char *name, const char *path)
{
	int fd, ret;

	if (unlinkat(d->fd, name, 0) && errno != ENOENT) {
		ret = -errno;
		pr_err("image '%s': cannot replace what is there: %s", path, strerror(-ret));
		return ret;
	}
	fd = openat(d->fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		ret = -errno;
		pr_err("image '%s': cannot create: %s", path, strerror(-ret));
		return ret;
	}
	return fd;
}

int img_open(const struct img_dir *d, enum img_kind k, unsigned long id, bool write,
	     struct img **out)
{
	const struct img_kind_desc *kd = img_kind_desc(k);
	char name[256], path[sizeof(((struct img *)0)->path)];
	struct img *img;
	struct stat st;
	int fd, ret;

	img_name(kd, id, name, sizeof(name));
	snprintf(path, sizeof(path), "%.4000s/%.200s", d->path, name);
	/* A missing optional image is the caller's call to report. */
	fd = write ? img_create(d, name, path) : img_open_read(d, name, path, &st);
	if (fd < 0)
		return fd;
	img = img_alloc(path, fd, write);
	if (!img) {
		close(fd);
		return -ENOMEM;
	}
	img->kind = kd;
	if (!write)
		img->size = (uint64_t)st.st_size;
	ret = write ? img_write_magic(img, kd) : img_check_magic(img, kd);
	if (ret) {
		img->writing = false;
		img_close(img);
		return ret;
	}
	*out = img;
	return 0;
}

int img_open_raw(const struct img_dir *d, enum img_kind k, unsigned long id, uint64_t *size)
{
	char name[256], path[sizeof(((struct img *)0)->path)];
	struct stat st;
	int fd;

	img_name(img_kind_desc(k), id, name, sizeof(name));
	snprintf(path, sizeof(path), "%.4000s/%.200s", d->path, name);
	fd = img_open_read(d, name, path, &st);
	if (fd == -ENOENT)
		pr_err("image '%s': %s", path, strerror(ENOENT));
	if (fd >= 0)
		*size = (uint64_t)st.st_size;
	return fd;
}

int img_open_path(const char *path, struct img **out)
{
	const struct img_kind_desc *kd;
	struct img *img;
	struct stat st;
	uint32_t m;
	int fd, ret;

	fd = img_open_regular(AT_FDCWD, path, path, &st);
	if (fd < 0) {
		if (fd == -ENOENT)
			pr_err("image '%s': %s", path, strerror(ENOENT));
		return fd;
	}
	img = img_alloc(path, fd, false);
	if (!img) {
		close(fd);
		return -ENOMEM;
	}
	img->size = (uint64_t)st.st_size;
	ret = img_get_u32(img, &m, false);
	if (ret >= 0 && (m == IMG_COMMON_MAGIC || m == IMG_SERVICE_MAGIC))
		ret = img_get_u32(img, &m, false);
	if (ret < 0)
		goto err;
	/* Stats and pagemap kinds share magics with siblings; the first match names them. */
	kd = img_kind_by_magic(m);
	if (!kd) {
		pr_err("image '%s': unknown magic 0x%08x", path, m);
		ret = -EINVAL;
		goto err;
	}
	img->kind = kd;
	*out = img;
	return 0;
err:
	img_close(img);
	return ret;
}

/* Writes all of @data at the image's current end; logs with the offset. */
static int img_write_all(struct img *img, const uint8_t *data, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = write(img->fd, data + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			pr_err("image '%s': write at offset %llu: %s", img->path,
			       (unsigned long long)(img->off + done), strerror(e));
			return -e;
		}
		done += (size_t)n;
	}
	img->off += len;
	return 0;
}

static int img_flush(struct img *img)
{
	int ret = img_write_all(img, img->buf, img->len);

	if (!ret)
		img->len = 0;
	return ret;
}

int img_close(struct img *img)
{
	int ret = 0;

	if (!img)
		return 0;
	if (img->writing)
		ret = img_flush(img);
	if (img->fd >= 0 && close(img->fd) && !ret && img->writing) {
		ret = -errno;
		pr_err("image '%s': close: %s", img->path, strerror(-ret));
	}
	free(img->buf);
	free(img);
	return ret;
}

static int img_put(struct img *img, const void *data, size_t len)
{
	int ret;

	if (!img->buf) {
		img->buf = malloc(IMG_BUF_SIZE);
		if (!img->buf)
			return -ENOMEM;
		img->cap = IMG_BUF_SIZE;
	}
	if (img->len + len > img->cap) {
		ret = img_flush(img);
		if (ret)
			return ret;
	}
	/* Large raw payloads (pages) go straight to the file. */
	if (len >= img->cap)
		return img_write_all(img, data, len);
	memcpy(img->buf + img->len, data, len);
	img->len += len;
	return 0;
}

static int img_put_u32(struct img *img, uint32_t v)
{
	uint8_t b[4] = {v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >> 24};

	return img_put(img, b, 4);
}

const ProtobufCMessageDescriptor *img_next_desc(const struct img *img)
{
	if (img->nr_read == 0 && img->kind->head)
		return img->kind->head;
	return img->kind->entry;
}

int img_write_msg(struct img *img, const ProtobufCMessage *msg)
{
	size_t len = protobuf_c_message_get_packed_size(msg);
	uint8_t small[512], *p = small;
	int ret;

	if (len > IMG_MAX_ENTRY) {
		pr_err("image '%s': entry of %zu bytes is too large", img->path, len);
		return -EFBIG;
	}
	if (len > sizeof(small)) {
		p = malloc(len);
		if (!p)
			return -ENOMEM;
	}
	protobuf_c_message_pack(msg, p);
	ret = img_put_u32(img, (uint32_t)len);
	if (!ret)
		ret = img_put(img, p, len);
	if (p != small)
		free(p);
	return ret;
}

int img_write_raw(struct img *img, const void *data, size_t len)
{
	return img_put(img, data, len);
}

int img_read_msg(struct img *img, const ProtobufCMessageDescriptor *desc, ProtobufCMessage **msg)
{
	uint64_t at = img->off + img->pos;
	uint32_t len;
	int ret, n;

	ret = img_get_u32(img, &len, true);
	if (ret <= 0)
		return ret;
	if (len > IMG_MAX_ENTRY || (img->size && at + 4 + len > img->size)) {
		pr_err("image '%s': entry at offset %llu claims %u bytes, the file has %lld left",
		       img->path, (unsigned long long)at, len,
		       img->size ? (long long)(img->size - at - 4) : -1LL);
		return -EIO;
	}
	n = img_fill(img, len);
	if (n < 0) {
		pr_err("image '%s': read at offset %llu: %s", img->path, (unsigned long long)at,
		       strerror(-n));
		return n;
	}
	if ((uint32_t)n < len) {
		pr_err("image '%s': truncated entry at offset %llu (%d of %u bytes)", img->path,
		       (unsigned long long)at, n, len);
		return -EIO;
	}
	*msg = protobuf_c_message_unpack(desc, NULL, len, img->buf + img->pos);
	if (!*msg) {
		pr_err("image '%s': corrupt %s entry at offset %llu (%u bytes)", img->path,
		       desc->name, (unsigned long long)at, len);
		return -EIO;
	}
	img->pos += len;
	img->nr_read++;
	return 1;
}

int img_read_raw(struct img *img, void *data, size_t len)
{
	uint64_t at = img->off + img->pos;
	uint8_t *p = data;
	size_t have = img->len - img->pos;

	if (have > len)
		have = len;
	if (have) /* no buffer yet when nothing was read: no pointer arithmetic on NULL */
		memcpy(p, img->buf + img->pos, have);
	img->pos += have;
	while (have < len) {
		ssize_t n = read(img->fd, p + have, len - have);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			pr_err("image '%s': read at offset %llu: %s", img->path,
			       (unsigned long long)at, strerror(e));
			return -e;
		}
		if (n == 0) {
			pr_err("image '%s': truncated data at offset %llu (%zu of %zu bytes)",
			       img->path, (unsigned long long)at, have, len);
			return -EIO;
		}
		have += (size_t)n;
		img->off += (uint64_t)n;
	}
	return 0;
}

void img_free_msg(ProtobufCMessage *msg)
{
	if (msg)
		protobuf_c_message_free_unpacked(msg, NULL);
}

int img_read_one(const struct img_dir *d, enum img_kind k, unsigned long id,
		 const ProtobufCMessageDescriptor *desc, ProtobufCMessage **msg)
{
	struct img *img;
	int ret = img_open(d, k, id, false, &img);

	if (ret) {
		if (ret == -ENOENT) {
			char name[256];

			img_name(img_kind_desc(k), id, name, sizeof(name));
			pr_err("image '%s/%s': missing", d->path, name);
		}
		return ret;
	}
	ret = img_read_msg(img, desc, msg);
	if (ret == 0) {
		pr_err("image '%s': no entry", img->path);
		ret = -EIO;
	}
	img_close(img);
	return ret < 0 ? ret : 0;
}

int img_write_one(const struct img_dir *d, enum img_kind k, unsigned long id,
		  const ProtobufCMessage *msg)
{
	struct img *img;
	int ret = img_open(d, k, id, true, &img);

	if (ret)
		return ret;
	ret = img_write_msg(img, msg);
	if (ret) {
		img_close(img);
		return ret;
	}
	return img_close(img);
}
