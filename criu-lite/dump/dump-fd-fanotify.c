/*
 * fanotify files: the group's init flags and event flags ("fanotify flags:"
 * of fdinfo) and its marks. An inode mark records its file handle and the
 * path it resolves to now (dump_fh_path), a mount mark the mount's id and
 * mount point; filesystem marks (FAN_MARK_FILESYSTEM) are refused, so is a
 * mark on an inode no path reaches. Queued events and permission events
 * waiting for an answer are not recorded.
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

/* One mark's messages and strings. */
struct fan_mark {
	FanotifyMarkEntry m;
	FanotifyInodeMarkEntry ie;
	FanotifyMountMarkEntry me;
	FhEntry fh;
	uint64_t handle[16];
	char *path;
};

/* The entry being built, until the next fanotify. */
struct fan_state {
	FanotifyFileEntry e;
	struct fan_mark *marks;
	FanotifyMarkEntry **markp;
	size_t n;
};

static void fan_clear(struct fan_state *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->marks[i].path);
	free(s->marks);
	free(s->markp);
	s->marks = NULL;
	s->markp = NULL;
	s->n = 0;
}

static int fan_init(struct dump_ctx *ctx, void **st)
{
	*st = calloc(1, sizeof(struct fan_state));
	return *st ? 0 : -ENOMEM;
}

static void fan_fini(void *st)
{
	if (st)
		fan_clear(st);
	free(st);
}

static int fan_inode(const struct fd_desc *d, const struct proc_fanotify_mark *k,
		     struct fan_mark *f)
{
	fanotify_inode_mark_entry__init(&f->ie);
	fh_entry__init(&f->fh);
	f->ie.i_ino = k->ino;
	f->fh.bytes = k->fh_bytes;
	f->fh.type = (uint32_t)k->fh_type;
	for (unsigned int b = 0; b < k->fh_bytes; b++)
		f->handle[b / 8] |= (uint64_t)k->fh[b] << (8 * (b % 8));
	f->fh.n_handle = (k->fh_bytes + 7) / 8;
	f->fh.handle = f->handle;
	f->ie.f_handle = &f->fh;
	f->m.type = MARK_TYPE__INODE;
	f->m.ie = &f->ie;
	return dump_fh_path(k->sdev, k->fh_bytes, k->fh_type, k->fh, &f->path);
}

static int fan_mount(const struct fd_desc *d, const struct proc_fanotify_mark *k,
		     struct fan_mark *f)
{
	char mnt[4096];
	/* mount ids are the namespace's; the mount point in our view */
	int ret = proc_read_mount_of_id(getpid(), k->mnt_id, mnt, sizeof(mnt));

	fanotify_mount_mark_entry__init(&f->me);
	f->me.mnt_id = (uint32_t)k->mnt_id;
	f->m.type = MARK_TYPE__MOUNT;
	f->m.me = &f->me;
	if (!ret && !(f->path = strdup(mnt)))
		ret = -ENOMEM;
	return ret;
}

static int fan_mark(struct fan_state *s, const struct fd_desc *d, size_t i, uint32_t id)
{
	const struct proc_fanotify_mark *k = &d->fi.fmarks[i];
	struct fan_mark *f = &s->marks[i];
	char what[160];
	int ret;

	if (k->kind == PROC_FAN_SB)
		return dump_fd_unsupported(d, "fanotify mark on a whole filesystem "
					      "(FAN_MARK_FILESYSTEM)");
	fanotify_mark_entry__init(&f->m);
	f->m.id = id;
	f->m.mflags = k->mflags;
	f->m.mask = k->mask;
	f->m.ignored_mask = k->ignored_mask;
	f->m.s_dev = k->sdev;
	ret = k->kind == PROC_FAN_INODE ? fan_inode(d, k, f) : fan_mount(d, k, f);
	if (ret) {
		snprintf(what, sizeof(what), "fanotify %s mark: its path cannot be found (%s)",
			 k->kind == PROC_FAN_INODE ? "inode" : "mount",
			 ret == -ENOENT ? "deleted" : strerror(-ret));
		return dump_fd_unsupported(d, what);
	}
	if (k->kind == PROC_FAN_INODE)
		f->fh.path = f->path;
	else
		f->me.path = f->path;
	s->markp[i] = &f->m;
	return 0;
}

static int fd_fanotify(struct dump_ctx *ctx, void *st, struct fd_desc *d, FileEntry *fe)
{
	struct fan_state *s = st;
	size_t n = d->fi.n_fmarks;
	int ret = 0;

	fan_clear(s);
	if (!d->fi.has_fanotify)
		return dump_fd_unsupported(d, "fanotify without its flags in fdinfo");
	s->marks = calloc(n + 1, sizeof(*s->marks));
	s->markp = calloc(n + 1, sizeof(*s->markp));
	if (!s->marks || !s->markp)
		return -ENOMEM;
	s->n = n;
	for (size_t i = 0; !ret && i < n; i++)
		ret = fan_mark(s, d, i, fe->id);
	if (ret)
		return ret;
	fanotify_file_entry__init(&s->e);
	s->e.id = fe->id;
	s->e.flags = d->fi.flags & ~O_CLOEXEC;
	s->e.fown = d->fown;
	s->e.faflags = d->fi.fan_flags;
	s->e.evflags = d->fi.fan_event_flags;
	s->e.n_mark = n;
	s->e.mark = s->markp;
	fe->type = FD_TYPES__FANOTIFY;
	fe->ffy = &s->e;
	return 0;
}

static int fanotify_match(const struct fd_desc *d)
{
	return !strcmp(d->path, "anon_inode:[fanotify]");
}

const struct fd_dump_ops dump_fd_fanotify = {
	.name = "fanotify",
	.type = FD_TYPES__FANOTIFY,
	.init = fan_init,
	.match = fanotify_match,
	.dump = fd_fanotify,
	.fini = fan_fini,
};
