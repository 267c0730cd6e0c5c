/* Links, addresses and routes through rtnetlink with libnl-route-3 (netlink-route.h). */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/rtnetlink.h>
#include <netlink/netlink.h>
#include <netlink/route/rtnl.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>

#include "netlink-route.h"
#include "sock-diag-nl.h"

static int nlroute_open(struct nl_sock **out)
{
	struct nl_sock *sk = nl_socket_alloc();
	int ret;

	*out = NULL;
	if (!sk)
		return -ENOMEM;
	ret = nl_connect(sk, NETLINK_ROUTE);
	if (ret < 0) {
		nl_socket_free(sk);
		return sock_diag_nl_errno(ret);
	}
	*out = sk;
	return 0;
}

static void nlroute_fill(struct rtnl_link *l, struct nlroute_link *o)
{
	const char *name = rtnl_link_get_name(l), *kind = rtnl_link_get_type(l);
	struct nl_addr *a = rtnl_link_get_addr(l);
	int32_t nsid;

	memset(o, 0, sizeof(*o));
	o->ifindex = rtnl_link_get_ifindex(l);
	strncpy(o->name, name ? name : "", sizeof(o->name) - 1);
	strncpy(o->kind, kind ? kind : "", sizeof(o->kind) - 1);
	o->arptype = rtnl_link_get_arptype(l);
	o->mtu = rtnl_link_get_mtu(l);
	o->flags = rtnl_link_get_flags(l);
	if (a && nl_addr_get_len(a) <= sizeof(o->addr)) {
		o->addr_len = nl_addr_get_len(a);
		memcpy(o->addr, nl_addr_get_binary_addr(a), o->addr_len);
	}
	o->link = rtnl_link_get_link(l);
	o->peer_outside = rtnl_link_get_link_netnsid(l, &nsid) == 0;
	o->master = rtnl_link_get_master(l);
}

static int nlroute_by_index(const void *a, const void *b)
{
	return ((const struct nlroute_link *)a)->ifindex -
	       ((const struct nlroute_link *)b)->ifindex;
}

int nlroute_links(struct nlroute_link **out, size_t *nr)
{
	struct nl_cache *cache = NULL;
	struct nl_object *obj;
	struct nl_sock *sk;
	size_t n = 0;
	int ret = nlroute_open(&sk);

	*out = NULL;
	*nr = 0;
	if (ret)
		return ret;
	ret = rtnl_link_alloc_cache(sk, AF_UNSPEC, &cache);
	nl_socket_free(sk);
	if (ret < 0)
		return sock_diag_nl_errno(ret);
	*out = calloc((size_t)nl_cache_nitems(cache) + 1, sizeof(**out));
	if (!*out) {
		nl_cache_free(cache);
		return -ENOMEM;
	}
	for (obj = nl_cache_get_first(cache); obj; obj = nl_cache_get_next(obj))
		nlroute_fill((struct rtnl_link *)obj, &(*out)[n++]);
	nl_cache_free(cache);
	qsort(*out, n, sizeof(**out), nlroute_by_index);
	*nr = n;
	return 0;
}

struct nlroute_buf {
	uint8_t *p;
	size_t len, cap;
	bool routes;
	int err;
};

static int nlroute_keep(struct nl_msg *msg, void *arg)
{
	struct nlroute_buf *b = arg;
	struct nlmsghdr *h = nlmsg_hdr(msg);
	size_t len = NLMSG_ALIGN(h->nlmsg_len);

	/* `ip route save` keeps the main table only */
	if (b->routes && (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct rtmsg)) ||
			  ((struct rtmsg *)NLMSG_DATA(h))->rtm_table != RT_TABLE_MAIN))
		return NL_SKIP;
	if (b->len + len > b->cap) {
		size_t cap = (b->cap + len) * 2;
		uint8_t *p = realloc(b->p, cap);

		if (!p) {
			b->err = -ENOMEM;
			return NL_STOP;
		}
		b->p = p;
		b->cap = cap;
	}
	memset(b->p + b->len, 0, len);
	memcpy(b->p + b->len, h, h->nlmsg_len);
	b->len += len;
	return NL_SKIP;
}

int nlroute_save(bool routes, int family, uint8_t **buf, size_t *len)
{
	uint32_t magic = routes ? NLROUTE_ROUTE_MAGIC : NLROUTE_ADDR_MAGIC;
	struct nlroute_buf b = {.routes = routes};
	struct nl_sock *sk;
	int ret = nlroute_open(&sk);

	*buf = NULL;
	*len = 0;
	if (ret)
		return ret;
	b.cap = 4096;
	b.p = malloc(b.cap);
	if (!b.p) {
		nl_socket_free(sk);
		return -ENOMEM;
	}
	memcpy(b.p, &magic, sizeof(magic));
	b.len = sizeof(magic);
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, nlroute_keep, &b);
	ret = nl_rtgen_request(sk, routes ? RTM_GETROUTE : RTM_GETADDR, family, NLM_F_DUMP);
	if (ret >= 0)
		ret = nl_recvmsgs_default(sk);
	nl_socket_free(sk);
	ret = b.err ? b.err : (ret < 0 ? sock_diag_nl_errno(ret) : 0);
	if (ret) {
		free(b.p);
		return ret;
	}
	*buf = b.p;
	*len = b.len;
	return 0;
}

/* Whether message @h of a save stream is one the kernel makes by itself. */
static bool nlroute_implied(const struct nlmsghdr *h)
{
	const struct rtmsg *r = NLMSG_DATA(h);

	return h->nlmsg_type == RTM_NEWROUTE && h->nlmsg_len >= NLMSG_LENGTH(sizeof(*r)) &&
	       r->rtm_protocol == RTPROT_KERNEL;
}

int nlroute_restore(const uint8_t *buf, size_t len, size_t *at)
{
	struct nl_sock *sk;
	size_t off = sizeof(uint32_t);
	uint32_t magic;
	int ret;

	*at = 0;
	if (len < off)
		return -EINVAL;
	memcpy(&magic, buf, sizeof(magic));
	if (magic != NLROUTE_ADDR_MAGIC && magic != NLROUTE_ROUTE_MAGIC)
		return -EINVAL;
	ret = nlroute_open(&sk);
	while (!ret && off < len) {
		const struct nlmsghdr *h = (const struct nlmsghdr *)(buf + off);
		struct nl_msg *msg;

		*at = off;
		if (len - off < NLMSG_HDRLEN || h->nlmsg_len < NLMSG_HDRLEN ||
		    h->nlmsg_len > len - off ||
		    (h->nlmsg_type != RTM_NEWADDR && h->nlmsg_type != RTM_NEWROUTE)) {
			ret = -EINVAL;
			break;
		}
		off += NLMSG_ALIGN(h->nlmsg_len);
		if (nlroute_implied(h))
			continue;
		msg = nlmsg_alloc_simple(h->nlmsg_type, NLM_F_CREATE | NLM_F_EXCL);
		if (!msg || nlmsg_append(msg, NLMSG_DATA(h), h->nlmsg_len - NLMSG_HDRLEN,
					 NLMSG_ALIGNTO) < 0) {
			nlmsg_free(msg);
			ret = -ENOMEM;
			break;
		}
		ret = nl_send_sync(sk, msg); /* frees msg */
		if (ret == -NLE_EXIST)
			ret = 0;
		ret = ret < 0 ? sock_diag_nl_errno(ret) : 0;
	}
	if (sk)
		nl_socket_free(sk);
	return ret;
}

int nlroute_link_set(int ifindex, unsigned int mtu, bool up)
{
	struct rtnl_link *l = rtnl_link_alloc();
	struct nl_sock *sk;
	int ret;

	if (!l)
		return -ENOMEM;
	ret = nlroute_open(&sk);
	if (ret) {
		rtnl_link_put(l);
		return ret;
	}
	rtnl_link_set_ifindex(l, ifindex);
	if (mtu)
		rtnl_link_set_mtu(l, mtu);
	if (up)
		rtnl_link_set_flags(l, IFF_UP);
	else
		rtnl_link_unset_flags(l, IFF_UP);
	ret = rtnl_link_change(sk, l, l, 0);
	rtnl_link_put(l);
	nl_socket_free(sk);
	return ret < 0 ? sock_diag_nl_errno(ret) : 0;
}

int nlroute_veth_add(const char *name, int ifindex, const char *peer, int peer_ifindex,
		     int peer_nsfd)
{
	struct rtnl_link *l = rtnl_link_veth_alloc(), *p;
	struct nl_sock *sk;
	int ret;

	if (!l)
		return -ENOMEM;
	ret = nlroute_open(&sk);
	if (ret) {
		rtnl_link_veth_release(l);
		return ret;
	}
	rtnl_link_set_name(l, name);
	if (ifindex)
		rtnl_link_set_ifindex(l, ifindex);
	p = rtnl_link_veth_get_peer(l); /* a reference of its own (libnl >= 3.5) */
	rtnl_link_set_name(p, peer);
	if (peer_ifindex)
		rtnl_link_set_ifindex(p, peer_ifindex);
	if (peer_nsfd >= 0)
		rtnl_link_set_ns_fd(p, peer_nsfd);
	ret = rtnl_link_add(sk, l, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_link_put(p);
	rtnl_link_veth_release(l);
	nl_socket_free(sk);
	return ret < 0 ? sock_diag_nl_errno(ret) : 0;
}

/* Link @name up, enslaved to @master when not NULL, in the caller's namespace. */
static int nlroute_link_up_here(const char *name, const char *master)
{
	struct rtnl_link *l = NULL;
	struct nl_sock *sk;
	int ret = nlroute_open(&sk), mi = 0;

	if (ret)
		return ret;
	ret = rtnl_link_get_kernel(sk, 0, name, &l);
	if (ret >= 0 && master) {
		struct rtnl_link *m = NULL;

		ret = rtnl_link_get_kernel(sk, 0, master, &m);
		if (ret >= 0)
			mi = rtnl_link_get_ifindex(m);
		if (m)
			rtnl_link_put(m);
	}
	if (ret >= 0) {
		struct rtnl_link *c = rtnl_link_alloc();

		if (!c) {
			ret = -NLE_NOMEM;
		} else {
			rtnl_link_set_flags(c, IFF_UP);
			if (mi)
				rtnl_link_set_master(c, mi);
			ret = rtnl_link_change(sk, l, c, 0);
			rtnl_link_put(c);
		}
	}
	if (l)
		rtnl_link_put(l);
	nl_socket_free(sk);
	return ret < 0 ? sock_diag_nl_errno(ret) : 0;
}

int nlroute_link_up_in(int nsfd, const char *name, const char *master)
{
	int back = -1, ret;

	if (nsfd < 0)
		return nlroute_link_up_here(name, master);
	back = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (back < 0)
		return -errno;
	if (setns(nsfd, CLONE_NEWNET)) {
		ret = -errno;
		close(back);
		return ret;
	}
	ret = nlroute_link_up_here(name, master);
	if (setns(back, CLONE_NEWNET) && !ret)
		ret = -errno;
	close(back);
	return ret;
}
