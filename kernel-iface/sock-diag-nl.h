/*
 * The NETLINK_SOCK_DIAG transport shared by sock-diag.c (AF_UNIX) and
 * sock-diag-inet.c (TCP/UDP), over libnl-3: one SOCK_DIAG_BY_FAMILY dump
 * request, every reply message of the (multi-part) answer handed to a
 * callback, NLMSG_ERROR and NLMSG_DONE turned into -errno (sock_diag(7)).
 * The callers collect their results with array.h. Internal to kernel-iface/.
 * No policy, no logging.
 */
#ifndef CRL_SOCK_DIAG_NL_H
#define CRL_SOCK_DIAG_NL_H

#include <stddef.h>

struct nl_sock;
struct nlmsghdr;

/*
 * Allocates a libnl socket connected to NETLINK_SOCK_DIAG (close-on-exec).
 * 0 or -errno; free it with sock_diag_nl_close().
 */
int sock_diag_nl_open(struct nl_sock **out);
/* Closes and frees @sk; NULL is a no-op. */
void sock_diag_nl_close(struct nl_sock *sk);

/*
 * Sends a SOCK_DIAG_BY_FAMILY dump request whose payload is the @len bytes
 * at @req (a unix_diag_req or inet_diag_req_v2) and calls @cb for every reply
 * message until NLMSG_DONE, across as many reads as the dump takes. A
 * negative return of @cb stops and is returned; so are the error of an
 * NLMSG_ERROR reply and one the kernel put in NLMSG_DONE. 0 or -errno.
 */
int sock_diag_nl_dump(struct nl_sock *sk, void *req, size_t len,
		      int (*cb)(struct nlmsghdr *h, void *arg), void *arg);

/* A libnl error code (-NLE_*) as the nearest -errno. */
int sock_diag_nl_errno(int nlerr);

#endif
