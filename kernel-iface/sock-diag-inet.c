/*
 * TCP and UDP sockets through NETLINK_SOCK_DIAG: one inet_diag_req_v2 dump
 * per (family, protocol), answered by one inet_diag_msg per socket
 * (linux/inet_diag.h). Unbound sockets are in no hash table and do not show.
 */
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sock-diag.h"

#define DIAG_BUF (32u << 10)

struct inet_list {
	struct sock_diag_inet *v;
	size_t n, cap;
};

static void inet_attrs(struct sock_diag_inet *s, const struct nlattr *a, size_t len)
{
	while (len >= sizeof(*a) && a->nla_len >= sizeof(*a) && a->nla_len <= len) {
		const uint8_t *data = (const uint8_t *)(a + 1);
		size_t dlen = a->nla_len - sizeof(*a), step;

		if (a->nla_type == INET_DIAG_SHUTDOWN && dlen >= 1)
			s->shutdown = data[0];
		else if (a->nla_type == INET_DIAG_SKV6ONLY && dlen >= 1)
			s->v6only = (int8_t)(data[0] != 0);
		step = (size_t)NLA_ALIGN(a->nla_len);
		if (step >= len)
			break;
		len -= step;
		a = (const struct nlattr *)((const char *)a + step);
	}
}

static int inet_add(struct inet_list *l, const struct nlmsghdr *h, uint8_t proto)
{
	const struct inet_diag_msg *m = NLMSG_DATA(h);
	struct sock_diag_inet *s;

	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*m)))
		return -EINVAL;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct sock_diag_inet *nv = realloc(l->v, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		l->v = nv;
		l->cap = cap;
	}
	s = &l->v[l->n++];
	memset(s, 0, sizeof(*s));
	s->ino = m->idiag_inode;
	s->family = m->idiag_family;
	s->proto = proto;
	s->state = m->idiag_state;
	s->v6only = -1;
	s->sport = ntohs(m->id.idiag_sport);
	s->dport = ntohs(m->id.idiag_dport);
	memcpy(s->src, m->id.idiag_src, sizeof(s->src));
	memcpy(s->dst, m->id.idiag_dst, sizeof(s->dst));
	s->rqlen = m->idiag_rqueue;
	s->wqlen = m->idiag_wqueue;
	inet_attrs(s, (const struct nlattr *)(m + 1), h->nlmsg_len - NLMSG_LENGTH(sizeof(*m)));
	return 0;
}

static int inet_recv(int fd, struct inet_list *l, uint8_t proto, char *buf)
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
			ret = inet_add(l, h, proto);
			if (ret)
				return ret;
		}
	}
}

static int inet_query(int fd, struct inet_list *l, uint8_t family, uint8_t proto, char *buf)
{
	struct {
		struct nlmsghdr h;
		struct inet_diag_req_v2 r;
	} req;
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};

	memset(&req, 0, sizeof(req));
	req.h.nlmsg_len = sizeof(req);
	req.h.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.h.nlmsg_seq = 1;
	req.r.sdiag_family = family;
	req.r.sdiag_protocol = proto;
	req.r.idiag_states = ~0u;
	if (sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	return inet_recv(fd, l, proto, buf);
}

static int cmp_ino(const void *a, const void *b)
{
	uint32_t x = ((const struct sock_diag_inet *)a)->ino;
	uint32_t y = ((const struct sock_diag_inet *)b)->ino;

	return x < y ? -1 : x > y;
}

int sock_diag_inet_list(struct sock_diag_inet **out, size_t *n)
{
	static const uint8_t fams[] = {AF_INET, AF_INET6}, protos[] = {IPPROTO_TCP, IPPROTO_UDP};
	struct inet_list l = {0};
	char *buf = malloc(DIAG_BUF);
	int fd, ret = 0;

	*out = NULL;
	*n = 0;
	if (!buf)
		return -ENOMEM;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0) {
		free(buf);
		return -errno;
	}
	for (size_t f = 0; f < 2 && !ret; f++)
		for (size_t p = 0; p < 2 && !ret; p++) {
			ret = inet_query(fd, &l, fams[f], protos[p], buf);
			if (ret == -ENOENT && fams[f] == AF_INET6)
				ret = 0; /* no IPv6 in this kernel */
		}
	close(fd);
	free(buf);
	if (ret) {
		free(l.v);
		return ret;
	}
	if (l.n)
		qsort(l.v, l.n, sizeof(*l.v), cmp_ino);
	*out = l.v;
	*n = l.n;
	return 0;
}

const struct sock_diag_inet *sock_diag_inet_find(const struct sock_diag_inet *v, size_t n, uint32_t ino)
{
	/* The list is sorted by cmp_ino: a key with only the inode set finds it. */
	struct sock_diag_inet key = { .ino = ino };

	return n ? bsearch(&key, v, n, sizeof(*v), cmp_ino) : NULL;
}
