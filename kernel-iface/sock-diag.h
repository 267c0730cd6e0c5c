/* NETLINK_SOCK_DIAG queries (Documentation: sock_diag(7)). No policy. */
#ifndef CRL_SOCK_DIAG_H
#define CRL_SOCK_DIAG_H

#include <stddef.h>
#include <stdint.h>

/* One AF_UNIX socket as unix_diag reports it. */
struct sock_diag_unix {
	uint32_t ino;
	uint32_t peer;	       /* inode of the peer, 0 if none */
	uint8_t type;	       /* SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET */
	uint8_t state;	       /* TCP_ESTABLISHED, TCP_LISTEN, TCP_CLOSE */
	uint8_t shutdown;      /* sk_shutdown: RCV_SHUTDOWN 1 | SEND_SHUTDOWN 2 */
	uint32_t rqlen, wqlen; /* receive / send queue (bytes or packets) */
	uint32_t nr_icons;     /* connections waiting to be accepted */
	size_t name_len;       /* 0 when unbound; name[0] == 0 for abstract names */
	char name[108];
};

/*
 * Lists every AF_UNIX socket of the caller's network namespace, sorted by
 * inode. *out is malloc'd (NULL when *n == 0). 0 or -errno.
 */
int sock_diag_unix_list(struct sock_diag_unix **out, size_t *n);
/* Binary search in a list from sock_diag_unix_list; NULL if absent. */
const struct sock_diag_unix *sock_diag_unix_find(const struct sock_diag_unix *v, size_t n,
						 uint32_t ino);

#endif
