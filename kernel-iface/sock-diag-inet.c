/*
 * TCP and UDP sockets through NETLINK_SOCK_DIAG: one inet_diag_req_v2 dump
 * per (family, protocol), answered by one inet_diag_msg per socket
 * (linux/inet_diag.h). Unbound sockets are in no hash table and do not show.
 */
#include <errno.h>
#include <linux/inet_diag.h>
#include <netinet/in.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "array.h"
#include "sock-diag-nl.h"
#include "sock-diag.h"

/* What one reply message is decoded into: the list, and the protocol asked for. */
struct inet_dump {
	struct sock_diag_inet *v;
	size_t n;
	uint8_t proto;
};

/* The lengths inet_add() relies on; a shorter attribute fails the message. */
static const struct nla_policy inet_policy[INET_DIAG_MAX + 1] = {
	[INET_DIAG_SHUTDOWN] = {.type = NLA_U8},
	[INET_DIAG_SKV6ONLY] = {.type = NLA_U8},
};

static int inet_add(struct nlmsghdr *h, void *arg)
{
	struct nlattr *tb[INET_DIAG_MAX + 1];
	const struct inet_diag_msg *m;
	struct inet_dump *d = arg;
	struct sock_diag_inet *s;
	int ret;

	ret = nlmsg_parse(h, sizeof(*m), tb, INET_DIAG_MAX, inet_policy);
	if (ret < 0)
		return sock_diag_nl_errno(ret);
	m = nlmsg_data(h);
	if (ARRAY_GROW(d->v, d->n))
		return -ENOMEM;
	s = &d->v[d->n++];
	memset(s, 0, sizeof(*s));
	s->ino = m->idiag_inode;
	s->family = m->idiag_family;
	s->proto = d->proto;
	s->state = m->idiag_state;
	s->sport = ntohs(m->id.idiag_sport);
	s->dport = ntohs(m->id.idiag_dport);
	memcpy(s->src, m->id.idiag_src, sizeof(s->src));
	memcpy(s->dst, m->id.idiag_dst, sizeof(s->dst));
	s->rqlen = m->idiag_rqueue;
	s->wqlen = m->idiag_wqueue;
	if (tb[INET_DIAG_SHUTDOWN])
		s->shutdown = nla_get_u8(tb[INET_DIAG_SHUTDOWN]);
	/* -1 (unknown) where the kernel does not report it. */
	s->v6only = tb[INET_DIAG_SKV6ONLY] ? (int8_t)(nla_get_u8(tb[INET_DIAG_SKV6ONLY]) != 0) : -1;
	return 0;
}

static int inet_query(struct nl_sock *sk, struct inet_dump *d, uint8_t family, uint8_t proto)
{
	struct inet_diag_req_v2 req = {
		.sdiag_family = family,
		.sdiag_protocol = proto,
		.idiag_states = ~0u,
	};

	d->proto = proto;
	return sock_diag_nl_dump(sk, &req, sizeof(req), inet_add, d);
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
	struct inet_dump d = {0};
	struct nl_sock *sk;
	int ret;

	*out = NULL;
	*n = 0;
	ret = sock_diag_nl_open(&sk);
	if (ret)
		return ret;
	for (size_t f = 0; f < 2 && !ret; f++)
		for (size_t p = 0; p < 2 && !ret; p++) {
			ret = inet_query(sk, &d, fams[f], protos[p]);
			if (ret == -ENOENT && fams[f] == AF_INET6)
				ret = 0; /* no IPv6 in this kernel */
		}
	sock_diag_nl_close(sk);
	if (ret) {
		free(d.v);
		return ret;
	}
	if (d.n)
		qsort(d.v, d.n, sizeof(*d.v), cmp_ino);
	*out = d.v;
	*n = d.n;
	return 0;
}

const struct sock_diag_inet *sock_diag_inet_find(const struct sock_diag_inet *v, size_t n,
						 uint32_t ino)
{
	/* The list is sorted by cmp_ino: a key with only the inode set finds it. */
	struct sock_diag_inet key = {.ino = ino};

	return n ? bsearch(&key, v, n, sizeof(*v), cmp_ino) : NULL;
}
