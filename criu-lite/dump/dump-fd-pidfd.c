/*
 * pidfds: the pid they refer to ("Pid:" of fdinfo), their flags and inode.
 * As CRIU does, dump refuses a pidfd of a process outside the tree (its pid
 * would name another process, or none, after restore), of a process already
 * reaped, and a thread pidfd (PIDFD_THREAD).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dump-files.h"
#include "pidfd.pb-c.h"

#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL
#endif

static int pidfd_init(struct dump_ctx *ctx, void **st)
{
	*st = calloc(1, sizeof(PidfdEntry));
	return *st ? 0 : -ENOMEM;
}

static bool pidfd_in_tree(const struct dump_ctx *ctx, pid_t pid)
{
	for (size_t i = 0; i < ctx->nr_tasks; i++)
		if (ctx->tasks[i].pid == pid)
			return true;
	return false;
}

static int fd_pidfd(struct dump_ctx *ctx, void *st, struct fd_desc *d, FileEntry *fe)
{
	PidfdEntry *p = st;
	char what[128];

	if (!d->fi.has_pidfd)
		return dump_fd_unsupported(d, "pidfd without a pid in fdinfo");
	/* Restore makes a pidfd inside the process that holds it: there is none in flight. */
	if (d->to_pid)
		return dump_fd_unsupported(d, "pidfd (a pidfd is made again only by a process "
					      "holding it; receive it before the dump)");
	if (d->fi.flags & PIDFD_THREAD)
		return dump_fd_unsupported(d, "pidfd of a thread (PIDFD_THREAD)");
	if (d->fi.pidfd_pid < 0)
		return dump_fd_unsupported(d, "pidfd of a process that has exited and was reaped");
	if (!pidfd_in_tree(ctx, d->fi.pidfd_pid)) {
		snprintf(what, sizeof(what),
			 "pidfd of pid %d, which is not in the dumped tree (dump its tree too)",
			 d->fi.pidfd_pid);
		return dump_fd_unsupported(d, what);
	}
	pidfd_entry__init(p);
	p->id = fe->id;
	p->ino = d->st.st_ino;
	p->flags = d->fi.flags & ~(O_CLOEXEC | O_RDWR);
	p->nspid = d->fi.pidfd_pid;
	p->fown = d->fown;
	fe->type = FD_TYPES__PIDFD;
	fe->pidfd = p;
	return 0;
}

static int pidfd_match(const struct fd_desc *d)
{
	/* anon_inode before pidfs (6.9), "pidfd:[INO]" with some pidfs kernels */
	return !strcmp(d->path, "anon_inode:[pidfd]") || !strncmp(d->path, "pidfd:", 6);
}

const struct fd_dump_ops dump_fd_pidfd = {
	.name = "pidfd",
	.type = FD_TYPES__PIDFD,
	.init = pidfd_init,
	.match = pidfd_match,
	.dump = fd_pidfd,
	.fini = free,
};
