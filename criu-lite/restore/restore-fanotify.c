/*
 * Restore: fanotify files, created by the tool before forking like every
 * shared object: fanotify_init with the recorded init and event flags, then
 * each mark on its recorded path (an inode, or a mount with FAN_MARK_MOUNT)
 * with its mark flags, its mask and, separately, its ignored mask. Needs
 * CAP_SYS_ADMIN, as fanotify_init does.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/fanotify.h>
#include <unistd.h>

#include "log.h"
#include "restore-fd.h"

static int rst_fanotify_mark(const FileEntry *fe, int fd, const FanotifyMarkEntry *m)
{
	unsigned int fl = FAN_MARK_ADD | m->mflags;
	const char *path = NULL;

	if (m->type == MARK_TYPE__INODE && m->ie && m->ie->f_handle)
		path = m->ie->f_handle->path;
	else if (m->type == MARK_TYPE__MOUNT && m->me) {
		path = m->me->path;
		fl |= FAN_MARK_MOUNT;
	}
	if (!path) {
		pr_err("fanotify file id %u: a mark without a path", fe->id);
		return -EINVAL;
	}
	if ((m->mask && fanotify_mark(fd, fl, m->mask, AT_FDCWD, path)) ||
	    (m->ignored_mask &&
	     fanotify_mark(fd, fl | FAN_MARK_IGNORED_MASK, m->ignored_mask, AT_FDCWD, path))) {
		int err = errno;

		pr_err("fanotify file id %u: mark '%s' (flags 0x%x mask 0x%x ignored 0x%x): %s",
		       fe->id, path, fl, m->mask, m->ignored_mask, strerror(err));
		return -err;
	}
	return 0;
}

static int rst_open_fanotify(struct rst_ctx *c, const struct rst_task *t, const FileEntry *fe,
			     int *fdp)
{
	const FanotifyFileEntry *f = fe->ffy;
	/* FAN_CLOEXEC only as recorded: the kernel shows the group's flags as given */
	int fd = fanotify_init(f->faflags, f->evflags), ret = 0;

	if (fd < 0) {
		ret = -errno;
		pr_err("fanotify file id %u: fanotify_init(0x%x, 0%o): %s", fe->id, f->faflags,
		       f->evflags, strerror(-ret));
		return ret;
	}
	if (fcntl(fd, F_SETFD, FD_CLOEXEC))
		ret = -errno;
	/* fdinfo lists the newest mark first: added in reverse, they come back in order */
	for (size_t i = f->n_mark; !ret && i-- > 0;)
		ret = rst_fanotify_mark(fe, fd, f->mark[i]);
	if (ret) {
		close(fd);
		return ret;
	}
	*fdp = fd;
	return 0;
}

static bool rst_fanotify_check(const FileEntry *fe)
{
	return fe->ffy;
}

RST_FD_FOWN(rst_fanotify_fown, ffy)

const struct fd_rst_ops rst_fd_fanotify = {
	.name = "fanotify",
	.type = FD_TYPES__FANOTIFY,
	.check = rst_fanotify_check,
	.open = rst_open_fanotify,
	.fown = rst_fanotify_fown,
};
