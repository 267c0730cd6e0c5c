/*
 * File locks (filelocks.img): each restored process re-takes the locks it
 * held, on its restored fds, by injection, after its fds are installed and
 * before it resumes. POSIX locks belong to the process (its files table),
 * flock and OFD locks to the open file description the fd refers to; dump
 * recorded each once with the pid and fd to take it through.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "file-lock.pb-c.h"
#include "array.h"
#include "inject.h"
#include "log.h"
#include "restore.h"
#include "restore-scratch.h"

/* file_lock_entry.flag values (CRIU's). */
#define RST_FL_POSIX 1u
#define RST_FL_FLOCK 2u
#define RST_FL_OFD 4u

#ifndef F_OFD_SETLK
#define F_OFD_SETLK 37 /* Linux 3.15 */
#endif

static bool lock_fd_known(const struct rst_task *t, int fd)
{
	for (size_t i = 0; i < t->nr_fds; i++)
		if ((int)t->fds[i]->fd == fd)
			return true;
	return false;
}

static int lock_check(struct rst_ctx *c, const FileLockEntry *l)
{
	const struct rst_task *t = rst_task_by_pid(c, l->pid);
	const char *bad = NULL;

	if (l->flag != RST_FL_POSIX && l->flag != RST_FL_FLOCK && l->flag != RST_FL_OFD)
		bad = "kind not restored";
	else if (l->type != F_RDLCK && l->type != F_WRLCK)
		bad = "bad type";
	else if (l->start < 0 || l->len < 0)
		bad = "bad range";
	else if (!t || t->zombie)
		bad = "no such process in pstree.img";
	else if (!lock_fd_known(t, l->fd))
		bad = "no such fd in the process's fdinfo image";
	if (!bad)
		return 0;
	pr_err("filelocks.img: lock flag %u type %u on fd %d of pid %d: %s", l->flag, l->type,
	       l->fd, l->pid, bad);
	return -EINVAL;
}

int rst_locks_read(struct rst_ctx *c)
{
	ProtobufCMessage *m;
	struct img *img;
	int ret;

	if (faccessat(c->dir.fd, img_kind_desc(IMG_FILE_LOCKS)->name, F_OK, 0))
		return 0; /* no lock was held (or images from before locks were dumped) */
	ret = img_open(&c->dir, IMG_FILE_LOCKS, 0, false, &img);
	if (ret)
		return ret;
	while ((ret = img_read_msg(img, &file_lock_entry__descriptor, &m)) == 1) {
		if (ARRAY_GROW(c->locks, c->nr_locks)) {
			img_free_msg(m);
			ret = -ENOMEM;
			break;
		}
		c->locks[c->nr_locks++] = (FileLockEntry *)m;
		ret = lock_check(c, c->locks[c->nr_locks - 1]);
		if (ret)
			break;
	}
	img_close(img);
	return ret < 0 ? ret : 0;
}

void rst_locks_free(struct rst_ctx *c)
{
	for (size_t i = 0; i < c->nr_locks; i++)
		img_free_msg(&c->locks[i]->base);
	free(c->locks);
	c->locks = NULL;
	c->nr_locks = 0;
}

/* Never blocks: a conflict means someone else holds it now (the dumped tree still runs?). */
static long lock_take(struct inject *in, const FileLockEntry *l)
{
	const struct rst_scratch sc = rst_scratch_of(in);
	unsigned long at;
	struct flock fl;
	long r;

	if (l->flag == RST_FL_FLOCK)
		return inject_call(in, SYS_flock, (unsigned long)l->fd,
				   (l->type == F_WRLCK ? LOCK_EX : LOCK_SH) | LOCK_NB, 0, 0, 0, 0);
	memset(&fl, 0, sizeof(fl));
	fl.l_type = (short)(l->type == F_WRLCK ? F_WRLCK : F_RDLCK);
	fl.l_whence = SEEK_SET;
	fl.l_start = l->start;
	fl.l_len = l->len;
	r = rst_scratch_put(in, &sc, RST_SCR_ARG, 0, &fl, sizeof(fl), &at);
	if (!r)
		r = inject_call(in, SYS_fcntl, (unsigned long)l->fd,
				l->flag == RST_FL_OFD ? F_OFD_SETLK : F_SETLK, at, 0, 0, 0);
	return r;
}

int rst_locks_restore(struct rst_ctx *c, struct rst_task *t, struct inject *in)
{
	static const char *const kind[] = {
		[RST_FL_POSIX] = "POSIX", [RST_FL_FLOCK] = "flock", [RST_FL_OFD] = "OFD"};

	for (size_t i = 0; i < c->nr_locks; i++) {
		const FileLockEntry *l = c->locks[i];
		long r;

		if (l->pid != t->pid)
			continue;
		r = lock_take(in, l);
		if (r) {
			pr_err("pid %d: cannot take its %s %s lock on fd %d (bytes %lld+%lld): %s",
			       t->pid, kind[l->flag], l->type == F_WRLCK ? "write" : "read", l->fd,
			       (long long)l->start, (long long)l->len, strerror((int)-r));
			return (int)r;
		}
	}
	return 0;
}
