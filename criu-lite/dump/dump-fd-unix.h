/* Shared by the unix socket kind's files (dump-fd-unix.c, dump-fd-unix-queue.c). */
#ifndef CRL_DUMP_FD_UNIX_H
#define CRL_DUMP_FD_UNIX_H

#include "dump-files.h"
#include "sock-diag.h"

/*
 * Writes the receive queue of @sk (the tool's copy of @d, the unix socket
 * sock_diag describes as @u) to sk-queues.img (*@img, opened on first use),
 * one entry per message, under file id @id, leaving the queue and the socket
 * as they were. Logs; 0 or -errno.
 */
int unix_queue_dump(struct dump_ctx *ctx, struct img **img, const struct fd_desc *d, int sk,
		    uint32_t id, const struct sock_diag_unix *u);

#endif
