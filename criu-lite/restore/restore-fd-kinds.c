/*
 * The fd kinds of the restore, keyed by FileEntry type. The order is that of
 * their open_early and finish hooks, which do not depend on each other: TCP
 * listeners and named unix sockets early; pipe data, TCP repair mode off,
 * unix queues and shutdowns once every file is open.
 */
#include "restore-fd.h"

const struct fd_rst_ops *const rst_fd_kinds[] = {
	&rst_fd_reg,	  &rst_fd_pipe,	   &rst_fd_fifo,      &rst_fd_eventfd,
	&rst_fd_signalfd, &rst_fd_timerfd, &rst_fd_eventpoll, &rst_fd_inet,
	&rst_fd_unix,	  &rst_fd_netlink, &rst_fd_packet,    &rst_fd_tty,
	&rst_fd_memfd,	  &rst_fd_inotify, &rst_fd_pidfd,     &rst_fd_fanotify,
};

const size_t rst_fd_nr_kinds = sizeof(rst_fd_kinds) / sizeof(rst_fd_kinds[0]);

const struct fd_rst_ops *rst_fd_kind(int type)
{
	for (size_t i = 0; i < rst_fd_nr_kinds; i++)
		if ((int)rst_fd_kinds[i]->type == type)
			return rst_fd_kinds[i];
	return NULL;
}

bool rst_fdkind_supported(const FileEntry *fe)
{
	const struct fd_rst_ops *k = rst_fd_kind(fe->type);

	return k && k->check(fe);
}
