/* Shared by the unix socket kind's files (dump-fd-unix.c, dump-fd-unix-queue.c). */
#ifndef CRL_DUMP_FD_UNIX_H
#define CRL_DUMP_FD_UNIX_H

#include <sys/socket.h>

#include "dump-files.h"
#include "sock-diag.h"

/* One queued message, kept until the files it carries in flight are dumped. */
struct unix_msg {
	char *data;
	uint32_t len;
	bool has_cr;
	struct ucred cr;
	int *fds; /* the tool's copies of its files in flight (SCM_RIGHTS), while read */
	uint32_t nr_fds;
	size_t fds_at; /* once held: where they are in unix_queues_held.files */
};

/*
 * The queues that carry files in flight: written once every fd of the tree
 * is known and every file in flight is dumped (the kind's in_flight hook
 * hands dump-files.c @files), so that a file both in flight and held by a
 * process is one object, and so that dumping one (a unix socket whose own
 * queue is held too) never runs inside the dump of another.
 */
struct unix_queues_held {
	struct dump_in_flight *files;
	size_t nr_files;
	struct unix_queue_held {
		uint32_t id; /* the receiving socket's file id */
		struct unix_msg *msgs;
		size_t nr_msgs;
	} * v;
	size_t n;
};

/*
 * Reads the receive queue of @sk (the tool's copy of @d, the unix socket
 * sock_diag describes as @u) without consuming it, one message per entry,
 * under file id @id: written to sk-queues.img (*@img, opened on first use)
 * at once, or kept in @held when a message carries files in flight. The
 * queue and the socket are left as they were. Logs; 0 or -errno.
 */
int unix_queue_dump(struct dump_ctx *ctx, struct img **img, struct unix_queues_held *held,
		    const struct fd_desc *d, int sk, uint32_t id, const struct sock_diag_unix *u);
/* The held queues, in order, each message with the ids of its files in flight. Logs. */
int unix_queues_held_write(struct dump_ctx *ctx, struct img **img, struct unix_queues_held *held);
/* Closes the tool's copies of the files in flight and frees @held. */
void unix_queues_held_fini(struct unix_queues_held *held);

#endif
