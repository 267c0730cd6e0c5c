/*
 * inotify files: the group's flags and, per watch ("inotify wd:" lines of
 * fdinfo), its descriptor, mask, inode and file handle. The watched path
 * is resolved here, while the tree is frozen: the handle is opened with
 * open_by_handle_at on a mount of the inode's device (from our mountinfo:
 * paths are in the tool's view, as everywhere) and the path read back. A watch on an inode no path
 * reaches (deleted) is refused. The events queued at dump time are not recorded.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dump-files.h"
#include "fsnotify.pb-c.h"
#include "log.h"
#include "proc-misc.h"

/* The entry being built and its watches, until the next inotify. */
struct ify_state {
	InotifyFileEntry e;
	InotifyWdEntry *wds, **wdp;
	FhEntry *fhs;
	uint64_t *handles; /* 16 per watch (MAX_HANDLE_SZ / 8) */
	char **paths;
	size_t n;
};

static void ify_clear(struct ify_state *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->paths[i]);
	free(s->wds);
	free(s->wdp);
	free(s->fhs);
	free(s->handles);
	free(s->paths);
	s->wds = NULL;
	s->wdp = NULL;
	s->fhs = NULL;
	s->handles = NULL;
	s->paths = NULL;
	s->n = 0;
}

static int ify_init(struct dump_ctx *ctx, void **st)
{
	*st = calloc(1, sizeof(struct ify_state));
	return *st ? 0 : -ENOMEM;
}

static void ify_fini(void *st)
{
	if (st)
		ify_clear(st);
	free(st);
}

int dump_fh_path(unsigned int sdev, unsigned int fh_bytes, int fh_type,
		 const unsigned char *fh_bytes_p, char **path)
{
	union {
		struct file_handle h;
		unsigned char b[sizeof(struct file_handle) + 128];
	} fh;
	struct file_handle *h = &fh.h;
	char mnt[4096], link[64], buf[4096];
	int mfd, fd, ret;
	ssize_t n;

	if (!fh_bytes)
		return -EOPNOTSUPP; /* no handle shown: kernel without CONFIG_EXPORTFS */
	/*
	 * The kernel's dev_t: major above bit 20. Our own mountinfo: its mount
	 * points are in our view (a chrooted target's are relative to its root).
	 */
	ret = proc_read_mount_of_dev(getpid(), sdev >> 20, sdev & 0xfffff, mnt, sizeof(mnt));
	if (ret)
		return ret;
	mfd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC); /* not O_PATH: EBADF */
	if (mfd < 0)
		return -errno;
	h->handle_bytes = fh_bytes;
	h->handle_type = fh_type;
	memcpy(fh.b + sizeof(struct file_handle), fh_bytes_p, fh_bytes);
	fd = open_by_handle_at(mfd, h, O_PATH | O_CLOEXEC);
	ret = fd < 0 ? -errno : 0;
	close(mfd);
	if (ret)
		return ret;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, buf, sizeof(buf) - 1);
	ret = -errno;
	close(fd);
	if (n < 0 || n >= (ssize_t)sizeof(buf))
		return n < 0 ? ret : -ENAMETOOLONG;
	buf[n] = '\0';
	if (buf[0] != '/' || (n > 10 && !strcmp(buf + n - 10, " (deleted)")))
		return -ENOENT;
	*path = strdup(buf);
	return *path ? 0 : -ENOMEM;
}

static int ify_watch(struct ify_state *s, const struct fd_desc *d, size_t i, uint32_t id)
{
	const struct proc_inotify_wd *w = &d->fi.iwds[i];
	InotifyWdEntry *e = &s->wds[i];
	FhEntry *fh = &s->fhs[i];
	uint64_t *h = &s->handles[16 * i];
	char what[160];
	int ret;

	inotify_wd_entry__init(e);
	fh_entry__init(fh);
	e->id = id;
	e->i_ino = w->ino;
	e->mask = w->mask;
	e->ignored_mask = w->ignored_mask;
	e->s_dev = w->sdev;
	e->wd = (uint32_t)w->wd;
	e->f_handle = fh;
	fh->bytes = w->fh_bytes;
	fh->type = (uint32_t)w->fh_type;
	for (unsigned int b = 0; b < w->fh_bytes; b++)
		h[b / 8] |= (uint64_t)w->fh[b] << (8 * (b % 8));
	fh->n_handle = (w->fh_bytes + 7) / 8;
	fh->handle = h;
	ret = dump_fh_path(w->sdev, w->fh_bytes, w->fh_type, w->fh, &s->paths[i]);
	if (ret) {
		snprintf(what, sizeof(what),
			 "inotify watch %d on inode %llu: its path cannot be found (%s)", w->wd,
			 (unsigned long long)w->ino, ret == -ENOENT ? "deleted" : strerror(-ret));
		return dump_fd_unsupported(d, what);
	}
	fh->path = s->paths[i];
	s->wdp[i] = e;
	return 0;
}

static int fd_inotify(struct dump_ctx *ctx, void *st, struct fd_desc *d, FileEntry *fe)
{
	struct ify_state *s = st;
	size_t n = d->fi.n_iwds;
	int ret = 0;

	ify_clear(s);
	s->wds = calloc(n + 1, sizeof(*s->wds));
	s->wdp = calloc(n + 1, sizeof(*s->wdp));
	s->fhs = calloc(n + 1, sizeof(*s->fhs));
	s->handles = calloc(16 * (n + 1), sizeof(*s->handles));
	s->paths = calloc(n + 1, sizeof(*s->paths));
	if (!s->wds || !s->wdp || !s->fhs || !s->handles || !s->paths)
		return -ENOMEM;
	s->n = n;
	for (size_t i = 0; !ret && i < n; i++)
		ret = ify_watch(s, d, i, fe->id);
	if (ret)
		return ret;
	inotify_file_entry__init(&s->e);
	s->e.id = fe->id;
	s->e.flags = d->fi.flags & ~O_CLOEXEC;
	s->e.fown = d->fown;
	s->e.n_wd = n;
	s->e.wd = s->wdp;
	fe->type = FD_TYPES__INOTIFY;
	fe->ify = &s->e;
	return 0;
}

static int inotify_match(const struct fd_desc *d)
{
	return !strcmp(d->path, "anon_inode:inotify");
}

const struct fd_dump_ops dump_fd_inotify = {
	.name = "inotify",
	.type = FD_TYPES__INOTIFY,
	.init = ify_init,
	.match = inotify_match,
	.dump = fd_inotify,
	.fini = ify_fini,
};
