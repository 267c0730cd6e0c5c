/*
 * File locks held by the dumped tree, into filelocks.img. The kernel lists
 * them per descriptor ("lock:" lines of /proc/PID/fdinfo/FD, fs/proc/fd.c):
 * flock and OFD locks on every fd of their open file description, in every
 * process sharing it; a POSIX lock on the fds of the files table that owns
 * it, through which it was taken. Each lock is recorded once, with the pid
 * and fd restore re-takes it through: POSIX locks by their owner process,
 * flock and OFD locks by the first fd of their file description seen.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "dump-files.h"
#include "file-lock.pb-c.h"
#include "log.h"

/* file_lock_entry.flag values (CRIU's). */
#define DUMP_FL_POSIX 1u
#define DUMP_FL_FLOCK 2u
#define DUMP_FL_OFD 4u

struct dump_lock_seen {
	uint32_t file_id;
	pid_t pid; /* POSIX: the files table's process; 0 for flock/OFD */
	enum proc_lock_kind kind;
	bool write;
	long long start, end;
};

struct dump_locks {
	struct img *img; /* filelocks.img, opened on the first lock */
	struct dump_lock_seen *seen;
	size_t n;
};

static bool lock_pid_in_tree(const struct dump_ctx *ctx, pid_t pid)
{
	for (size_t i = 0; i < ctx->nr_tasks; i++)
		if (ctx->tasks[i].pid == pid && !ctx->tasks[i].zombie)
			return true;
	return false;
}

/* Why @l cannot be restored, or NULL. @why is scratch for the message. */
static const char *lock_refusal(const struct dump_ctx *ctx, const struct proc_lock *l, char *why,
				size_t len)
{
	if (l->kind == PROC_LOCK_LEASE)
		return "leases are not restored";
	if (l->kind == PROC_LOCK_OTHER)
		return "lock kind not restored";
	if (!l->advisory)
		return "mandatory locks are not restored";
	/*
	 * The pid is the process that took the lock (OFD locks show -1). A live
	 * one outside the tree shares the lock with it; one that exited (a child
	 * that took a flock on an inherited fd) leaves it to the tree's holders.
	 */
	if (l->kind != PROC_LOCK_OFD && !lock_pid_in_tree(ctx, l->pid) &&
	    (l->pid <= 0 || kill(l->pid, 0) == 0 || errno != ESRCH)) {
		snprintf(why, len, "held by pid %d, outside the dumped tree", l->pid);
		return why;
	}
	return NULL;
}

/* 1 if @s was recorded already, 0 after recording it, -ENOMEM. */
static int lock_seen(struct dump_locks *dl, const struct dump_lock_seen *s)
{
	for (size_t i = 0; i < dl->n; i++) {
		const struct dump_lock_seen *o = &dl->seen[i];

		if (o->file_id == s->file_id && o->pid == s->pid && o->kind == s->kind &&
		    o->write == s->write && o->start == s->start && o->end == s->end)
			return 1;
	}
	if (ARRAY_GROW(dl->seen, dl->n))
		return -ENOMEM;
	dl->seen[dl->n++] = *s;
	return 0;
}

static int lock_write(struct dump_ctx *ctx, const struct fd_desc *d, const struct proc_lock *l)
{
	FileLockEntry fle = FILE_LOCK_ENTRY__INIT;
	int ret = 0;

	if (!ctx->locks->img)
		ret = img_open(&ctx->dir, IMG_FILE_LOCKS, 0, true, &ctx->locks->img);
	fle.flag = l->kind == PROC_LOCK_POSIX ? DUMP_FL_POSIX
		   : l->kind == PROC_LOCK_OFD ? DUMP_FL_OFD
					      : DUMP_FL_FLOCK;
	fle.type = l->write ? F_WRLCK : F_RDLCK;
	fle.pid = dump_ns_vpid(ctx, d->pid); /* as the tree sees it */
	fle.fd = d->fd;
	fle.start = l->start;
	fle.len = l->end < 0 ? 0 : l->end - l->start + 1;
	if (!ret)
		ret = img_write_msg(ctx->locks->img, &fle.base);
	return ret;
}

int dump_fd_locks(struct dump_ctx *ctx, const struct fd_desc *d, uint32_t file_id)
{
	char why[64], what[256];
	int ret = 0;

	if (d->fi.n_locks && !ctx->locks) {
		ctx->locks = calloc(1, sizeof(*ctx->locks));
		if (!ctx->locks)
			return -ENOMEM;
	}
	for (size_t i = 0; i < d->fi.n_locks && !ret; i++) {
		const struct proc_lock *l = &d->fi.locks[i];
		struct dump_lock_seen s = {.file_id = file_id,
					   .pid = l->kind == PROC_LOCK_POSIX ? d->pid : 0,
					   .kind = l->kind,
					   .write = l->write,
					   .start = l->start,
					   .end = l->end};
		const char *no = lock_refusal(ctx, l, why, sizeof(why));

		if (no) {
			snprintf(what, sizeof(what), "file lock '%s': %s", l->text, no);
			return dump_fd_unsupported(d, what);
		}
		ret = lock_seen(ctx->locks, &s);
		if (ret == 0)
			ret = lock_write(ctx, d, l);
		else if (ret == 1)
			ret = 0;
		if (ret)
			pr_err("dump: file lock '%s' of fd %d of %d: %s", l->text, d->fd, d->pid,
			       strerror(-ret));
	}
	return ret;
}

int dump_locks_finish(struct dump_ctx *ctx)
{
	int ret;

	if (!ctx->locks || !ctx->locks->img)
		return 0;
	ret = img_close(ctx->locks->img);
	ctx->locks->img = NULL;
	if (ret)
		pr_err("dump: filelocks.img: %s", strerror(-ret));
	return ret;
}

void dump_locks_fini(struct dump_ctx *ctx)
{
	if (!ctx->locks)
		return;
	img_close(ctx->locks->img);
	free(ctx->locks->seen);
	free(ctx->locks);
	ctx->locks = NULL;
}
