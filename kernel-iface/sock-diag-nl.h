/*
 * The NETLINK_SOCK_DIAG transport shared by sock-diag.c (AF_UNIX) and
 * sock-diag-inet.c (TCP/UDP): send one SOCK_DIAG_BY_FAMILY dump request and
 * hand each reply message to a callback until NLMSG_DONE (sock_diag(7)),
 * plus the attribute walk and the growing result array both families use.
 * Internal to kernel-iface/. No policy, no logging.
 */
#ifndef CRL_SOCK_DIAG_NL_H
#define CRL_SOCK_DIAG_NL_H

#include <linux/netlink.h>
#include <stddef.h>

/* Opens a NETLINK_SOCK_DIAG socket (close-on-exec); the fd or -errno. */
int sock_diag_nl_open(void);

/*
 * Sends @req (@len bytes, starting with a struct nlmsghdr whose length, type,
 * flags and sequence this fills in: a SOCK_DIAG_BY_FAMILY dump) on @fd and
 * calls @cb for every reply message until NLMSG_DONE. A non-zero return of
 * @cb stops and is returned; an NLMSG_ERROR reply returns its error (-EIO
 * when it carries none). 0 or -errno.
 */
int sock_diag_nl_dump(int fd, void *req, size_t len, int (*cb)(const struct nlmsghdr *h, void *arg),
		      void *arg);

/*
 * Calls @cb for each well-formed attribute in the @len bytes at @a (a diag
 * message's trailing attributes) with its type and payload; stops at the
 * first truncated one.
 */
void sock_diag_nl_attrs(const struct nlattr *a, size_t len,
			void (*cb)(unsigned short type, const void *data, size_t dlen, void *arg),
			void *arg);

/* An array of @size-byte elements that grows as entries are appended. */
struct sock_diag_nl_vec {
	void *v;
	size_t n, cap;
};

/* Appends a zeroed element to @vec and returns it; NULL when out of memory. */
void *sock_diag_nl_vec_add(struct sock_diag_nl_vec *vec, size_t size);

#endif
