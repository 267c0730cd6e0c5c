/*
 * NETLINK_SOCK_DIAG transport for sock-diag.c and sock-diag-inet.c: the dump
 * request and receive loop, the attribute walk and the result array. Each
 * family file keeps only its request layout and its reply decoding.
 */
#include <errno.h>
#include <linux/sock_diag.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "sock-diag-nl.h"

/* Large enough for a page of replies; the kernel fills up to this per recv(). */
#define DIAG_BUF (32u << 10)

int sock_diag_nl_open(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);

	return fd < 0 ? -errno : fd;
}

/* Reads replies until NLMSG_DONE, an error reply, or a non-zero @cb. */
static int recv_all(int fd, char *buf, int (*cb)(const struct nlmsghdr *h, void *arg), void *arg)
{
	for (;;) {
		ssize_t len = recv(fd, buf, DIAG_BUF, 0);
		const struct nlmsghdr *h = (const struct nlmsghdr *)buf;

		if (len < 0 && errno == EINTR)
			continue;
		if (len <= 0)
			return len < 0 ? -errno : -EIO;
		for (; NLMSG_OK(h, (size_t)len); h = NLMSG_NEXT(h, len)) {
			int ret;

			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);

				return e->error ? e->error : -EIO;
			}
			ret = cb(h, arg);
			if (ret)
				return ret;
		}
	}
}

int sock_diag_nl_dump(int fd, void *req, size_t len, int (*cb)(const struct nlmsghdr *h, void *arg),
		      void *arg)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	struct nlmsghdr *h = req;
	char *buf;
	int ret;

	h->nlmsg_len = (uint32_t)len;
	h->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	h->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	h->nlmsg_seq = 1;
	if (sendto(fd, req, len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	buf = malloc(DIAG_BUF);
	if (!buf)
		return -ENOMEM;
	ret = recv_all(fd, buf, cb, arg);
	free(buf);
	return ret;
}

void sock_diag_nl_attrs(const struct nlattr *a, size_t len,
			void (*cb)(unsigned short type, const void *data, size_t dlen, void *arg),
			void *arg)
{
	while (len >= sizeof(*a) && a->nla_len >= sizeof(*a) && a->nla_len <= len) {
		size_t step = (size_t)NLA_ALIGN(a->nla_len);

		cb(a->nla_type, a + 1, a->nla_len - sizeof(*a), arg);
		if (step >= len)
			break;
		len -= step;
		a = (const struct nlattr *)((const char *)a + step);
	}
}

void *sock_diag_nl_vec_add(struct sock_diag_nl_vec *vec, size_t size)
{
	char *slot;

	if (vec->n == vec->cap) {
		size_t cap = vec->cap ? vec->cap * 2 : 64;
		void *nv = realloc(vec->v, cap * size);

		if (!nv)
			return NULL;
		vec->v = nv;
		vec->cap = cap;
	}
	slot = (char *)vec->v + vec->n++ * size;
	memset(slot, 0, size);
	return slot;
}
