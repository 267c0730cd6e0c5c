/*
 * Restore: inotify files, created by the tool before forking like every
 * shared object, with each watch added on its recorded path and mask under
 * its recorded watch descriptor. The kernel hands out descriptors in
 * increasing order (a cyclic idr from 1): a watch that comes out below its
 * recorded number is removed and added again until it matches. Each such
 * removal queues an IN_IGNORED event, so the queue is emptied at the end:
 * the events queued at dump time are not in the images either.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "restore-fd.h"

/* Watch @e on @fd under its recorded descriptor. 0 or -errno (logged). */
static int rst_inotify_watch(const FileEntry *fe, int fd, const InotifyWdEntry *e)
{
	const char *path = e->f_handle ? e->f_handle->path : NULL;
	struct stat st;
	int wd;

	if (!path) {
		pr_err("inotify file id %u: watch %u has no path", fe->id, e->wd);
		return -EINVAL;
	}
	if (stat(path, &st) == 0 && (uint64_t)st.st_ino != e->i_ino)
		pr_warn("inotify file id %u: watch %u: '%s' is another file now (inode %llu, "
			"was %llu): watching it",
			fe->id, e->wd, path, (unsigned long long)st.st_ino,
			(unsigned long long)e->i_ino);
	for (;;) {
		wd = inotify_add_watch(fd, path, e->mask);
		if (wd < 0 || (uint32_t)wd >= e->wd)
			break;
		inotify_rm_watch(fd, wd); /* below the recorded number: take the next */
	}
	if (wd < 0 || (uint32_t)wd != e->wd) {
		int err = wd < 0 ? errno : EEXIST;

		pr_err("inotify file id %u: watch '%s' (mask 0x%x) as %u: %s", fe->id, path,
		       e->mask, e->wd, wd < 0 ? strerror(err) : "descriptor taken already");
		return -err;
	}
	return 0;
}

static int rst_inotify_cmp(const void *a, const void *b)
{
	uint32_t x = (*(const InotifyWdEntry *const *)a)->wd;
	uint32_t y = (*(const InotifyWdEntry *const *)b)->wd;

	return x < y ? -1 : x > y;
}

/* Reads every queued event (IN_IGNORED of the removed helpers) away. */
static void rst_inotify_drain(int fd)
{
	char buf[4096];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

static int rst_open_inotify(struct rst_ctx *c, const struct rst_task *t, const FileEntry *fe,
			    int *fdp)
{
	const InotifyFileEntry *ie = fe->ify;
	InotifyWdEntry **wds = calloc(ie->n_wd + 1, sizeof(*wds));
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC), ret = 0;

	if (fd < 0 || !wds) {
		ret = fd < 0 ? -errno : -ENOMEM;
		pr_err("inotify file id %u: cannot create: %s", fe->id, strerror(-ret));
		goto out;
	}
	memcpy(wds, ie->wd, ie->n_wd * sizeof(*wds));
	qsort(wds, ie->n_wd, sizeof(*wds), rst_inotify_cmp);
	for (size_t i = 0; !ret && i < ie->n_wd; i++)
		ret = rst_inotify_watch(fe, fd, wds[i]);
	if (!ret) {
		rst_inotify_drain(fd);
		if (!(ie->flags & O_NONBLOCK) && fcntl(fd, F_SETFL, 0))
			ret = -errno;
	}
out:
	free(wds);
	if (ret && fd >= 0)
		close(fd);
	if (!ret)
		*fdp = fd;
	return ret;
}

static bool rst_inotify_check(const FileEntry *fe)
{
	return fe->ify;
}

RST_FD_FOWN(rst_inotify_fown, ify)

const struct fd_rst_ops rst_fd_inotify = {
	.name = "inotify",
	.type = FD_TYPES__INOTIFY,
	.check = rst_inotify_check,
	.open = rst_open_inotify,
	.fown = rst_inotify_fown,
};
