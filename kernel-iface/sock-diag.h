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
	uint32_t acceptq_of;   /* a client whose connection waits in a listener's queue: that
				* listener's inode (its peer is then 0), else 0 */
	uint32_t acceptq_pos;  /* and its place in that queue, from 0 (the next accept) */
	uint32_t vfs_ino;      /* a filesystem name: inode of the socket file, else 0 */
	uint32_t vfs_dev;      /* and its device, in the kernel's encoding (major << 20 | minor) */
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

/*
 * The socket file unix socket @sk (or the listener it was accepted from) is
 * bound to, through SIOCUNIXFILE (linux/un.h; CAP_NET_ADMIN): its path as
 * the caller's root sees it, into @buf, and *@nlink, 0 once it was removed
 * (the " (deleted)" the kernel appends is cut). 0 or -errno (-ENOENT: no
 * socket file; -ENOTTY/-EINVAL: a kernel without it).
 */
int sock_unix_file(int sk, char *buf, size_t len, unsigned long *nlink);

/* One AF_INET/AF_INET6 socket as inet_diag reports it. */
struct sock_diag_inet {
	uint32_t ino;
	uint8_t family;		 /* AF_INET, AF_INET6 */
	uint8_t proto;		 /* IPPROTO_TCP, IPPROTO_UDP */
	uint8_t state;		 /* TCP_* states (UDP: TCP_CLOSE or TCP_ESTABLISHED) */
	uint8_t shutdown;	 /* RCV_SHUTDOWN 1 | SEND_SHUTDOWN 2 */
	int8_t v6only;		 /* -1 unknown */
	uint16_t sport, dport;	 /* host order */
	uint32_t src[4], dst[4]; /* network order; [0] only for AF_INET */
	uint32_t rqlen, wqlen;	 /* listeners: accept queue length / backlog */
};

/*
 * Lists the TCP and UDP sockets (IPv4 and IPv6) of the caller's network
 * namespace, sorted by inode. *out is malloc'd. 0 or -errno.
 */
int sock_diag_inet_list(struct sock_diag_inet **out, size_t *n);
const struct sock_diag_inet *sock_diag_inet_find(const struct sock_diag_inet *v, size_t n,
						 uint32_t ino);

#endif
