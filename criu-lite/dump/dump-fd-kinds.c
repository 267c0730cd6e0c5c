/*
 * The fd kinds of the dump, in the order they are asked (dump-files.c gives
 * each new open file description to the first that matches): kinds known by
 * their link text first ("pipe:[", "socket:[", "anon_inode:"), then by the
 * file's type (FIFO, terminal, memfd, other files), then the refusals.
 */
#include "dump-files.h"

const struct fd_dump_ops *const dump_fd_kinds[] = {
	&dump_fd_pipe,	   &dump_fd_unix,	&dump_fd_inet,	  &dump_fd_netlink,
	&dump_fd_packet,   &dump_fd_sock_other, &dump_fd_eventfd, &dump_fd_signalfd,
	&dump_fd_timerfd,  &dump_fd_eventpoll,	&dump_fd_inotify, &dump_fd_pidfd,
	&dump_fd_fanotify, &dump_fd_anon_other, &dump_fd_fifo,	  &dump_fd_tty,
	&dump_fd_memfd,	   &dump_fd_reg,	&dump_fd_blk,
};

const size_t dump_fd_nr_kinds = sizeof(dump_fd_kinds) / sizeof(dump_fd_kinds[0]);
