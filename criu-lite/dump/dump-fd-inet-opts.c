/*
 * The options of an inet socket, read on the tool's copy of its fd: the
 * SOL_SOCKET ones every socket kind has (dump_sk_opts) and the inet ones
 * (address reuse, broadcast, keepalive and its TCP knobs, priority, mark,
 * linger, the device it is bound to, an attached classic BPF filter) and
 * the IP level's (IP_FREEBIND, IP_TOS, IP_TTL, IP_PKTINFO, IPV6_V6ONLY; a
 * raw socket's IP_HDRINCL, IP_NODEFRAG and ICMP type filter).
 * TCP_NODELAY and TCP_CORK of a connection are in its tcp-stream image.
 */
#include <errno.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>

#include "dump-inet.h"
#include "sockopt.h"

static int opt_int(int sk, int level, int name, int *val)
{
	socklen_t len = sizeof(*val);

	*val = 0;
	return getsockopt(sk, level, name, val, &len) ? -errno : 0;
}

/* An option that may be missing on older kernels: absent, not an error. */
static void opt_u32(int sk, int level, int name, protobuf_c_boolean *has, uint32_t *out)
{
	int v;

	if (opt_int(sk, level, name, &v) == 0) {
		*has = true;
		*out = (uint32_t)v;
	}
}

static void opt_bool(int sk, int level, int name, protobuf_c_boolean *has, protobuf_c_boolean *out)
{
	int v;

	if (opt_int(sk, level, name, &v) == 0) {
		*has = true;
		*out = v != 0;
	}
}

/*
 * The classic BPF filter (SO_GET_FILTER counts and copies whole
 * instructions: its length is in instructions, not bytes). An eBPF program
 * attached with SO_ATTACH_BPF has no classic form and reads as none.
 */
static int inet_filter(int sk, SkOptsEntry *o, struct inet_opts_buf *b)
{
	socklen_t n = 0;

	if (getsockopt(sk, SOL_SOCKET, SO_GET_FILTER, NULL, &n))
		return errno == ENOPROTOOPT || errno == EOPNOTSUPP ? 0 : -errno;
	if (!n)
		return 0;
	if (n > BPF_MAXINSNS)
		return -E2BIG;
	if (getsockopt(sk, SOL_SOCKET, SO_GET_FILTER, b->filter, &n))
		return -errno;
	o->n_so_filter = n;
	o->so_filter = b->filter;
	return 0;
}

static void inet_sol_socket(int sk, SkOptsEntry *o, struct inet_opts_buf *b)
{
	struct linger lg;
	socklen_t len = sizeof(lg);

	opt_bool(sk, SOL_SOCKET, SO_REUSEADDR, &o->has_reuseaddr, &o->reuseaddr);
	opt_bool(sk, SOL_SOCKET, SO_REUSEPORT, &o->has_so_reuseport, &o->so_reuseport);
	opt_bool(sk, SOL_SOCKET, SO_BROADCAST, &o->has_so_broadcast, &o->so_broadcast);
	opt_bool(sk, SOL_SOCKET, SO_KEEPALIVE, &o->has_so_keepalive, &o->so_keepalive);
	opt_bool(sk, SOL_SOCKET, SO_DONTROUTE, &o->has_so_dontroute, &o->so_dontroute);
	opt_u32(sk, SOL_SOCKET, SO_PRIORITY, &o->has_so_priority, &o->so_priority);
	opt_u32(sk, SOL_SOCKET, SO_RCVLOWAT, &o->has_so_rcvlowat, &o->so_rcvlowat);
	opt_u32(sk, SOL_SOCKET, SO_MARK, &o->has_so_mark, &o->so_mark);
	opt_u32(sk, SOL_SOCKET, SO_OOBINLINE, &o->has_so_oobinline, &o->so_oobinline);
	opt_u32(sk, SOL_SOCKET, SO_BUF_LOCK, &o->has_so_buf_lock, &o->so_buf_lock);
	if (getsockopt(sk, SOL_SOCKET, SO_LINGER, &lg, &len) == 0 && lg.l_onoff) {
		o->has_so_linger = true;
		o->so_linger = (uint32_t)lg.l_linger;
	}
	len = sizeof(b->dev);
	memset(b->dev, 0, sizeof(b->dev));
	if (getsockopt(sk, SOL_SOCKET, SO_BINDTODEVICE, b->dev, &len) == 0 && b->dev[0]) {
		b->dev[sizeof(b->dev) - 1] = 0;
		o->so_bound_dev = b->dev;
	}
}

/*
 * A raw socket's own options: IP_HDRINCL, IP_NODEFRAG, and the ICMP type
 * filter of a raw ICMP (ICMP_FILTER) or ICMPv6 (ICMPV6_FILTER) socket.
 */
static void inet_raw(int sk, const struct sock_diag_inet *s, struct inet_opts_buf *b)
{
	IpOptsRawEntry *r = &b->raw;
	socklen_t len;
	int v;

	ip_opts_raw_entry__init(r);
	if (s->family == AF_INET) {
		opt_bool(sk, IPPROTO_IP, IP_HDRINCL, &r->has_hdrincl, &r->hdrincl);
		opt_bool(sk, IPPROTO_IP, IP_NODEFRAG, &r->has_nodefrag, &r->nodefrag);
	}
	len = s->family == AF_INET ? 4 : 32;
	if (s->family == AF_INET && s->proto == IPPROTO_ICMP)
		v = getsockopt(sk, SOL_RAW, ICMP_FILTER, b->icmp_filter, &len);
	else if (s->family == AF_INET6 && s->proto == IPPROTO_ICMPV6)
		v = getsockopt(sk, IPPROTO_ICMPV6, ICMP6_FILTER, b->icmp_filter, &len);
	else
		v = -1;
	if (v == 0) {
		r->n_icmpv_filter = len / 4;
		r->icmpv_filter = b->icmp_filter;
	}
	b->ipopts.raw = r;
}

/* IPv4 level options (an IPv6 socket answers them for its IPv4-mapped traffic). */
static void inet_ip_level(int sk, const struct sock_diag_inet *s, InetSkEntry *e,
			  struct inet_opts_buf *b)
{
	IpOptsEntry *ip = &b->ipopts;
	int v;

	if (opt_int(sk, IPPROTO_IP, IP_FREEBIND, &v) == 0 && v) {
		ip->has_freebind = true;
		ip->freebind = true;
	}
	if (s->family == AF_INET) {
		if (opt_int(sk, IPPROTO_IP, IP_TOS, &v) == 0 && v) {
			ip->has_tos = true;
			ip->tos = (uint32_t)v;
		}
		if (opt_int(sk, IPPROTO_IP, IP_PKTINFO, &v) == 0 && v) {
			ip->has_pktinfo = true;
			ip->pktinfo = true;
		}
		/* Unset reads as the namespace's default: recorded, put back as is. */
		opt_u32(sk, IPPROTO_IP, IP_TTL, &ip->has_ttl, &ip->ttl);
	}
	if (opt_int(sk, SOL_SOCKET, SO_TYPE, &v) == 0 && v == SOCK_RAW)
		inet_raw(sk, s, b);
	if (ip->has_freebind || ip->has_tos || ip->has_pktinfo || ip->has_ttl || ip->raw)
		e->ip_opts = ip;
}

int dump_inet_opts(int sk, const struct sock_diag_inet *s, InetSkEntry *e, struct inet_opts_buf *b)
{
	SkOptsEntry *o = e->opts;
	int ret, v;

	ip_opts_entry__init(&b->ipopts);
	ret = dump_sk_opts(sk, o);
	if (!ret)
		ret = inet_filter(sk, o, b);
	if (ret)
		return ret;
	inet_sol_socket(sk, o, b);
	if (s->proto == IPPROTO_TCP) {
		opt_u32(sk, IPPROTO_TCP, TCP_KEEPCNT, &o->has_tcp_keepcnt, &o->tcp_keepcnt);
		opt_u32(sk, IPPROTO_TCP, TCP_KEEPIDLE, &o->has_tcp_keepidle, &o->tcp_keepidle);
		opt_u32(sk, IPPROTO_TCP, TCP_KEEPINTVL, &o->has_tcp_keepintvl, &o->tcp_keepintvl);
	}
	if (s->family == AF_INET6) {
		e->has_v6only = true;
		if (s->v6only >= 0)
			e->v6only = s->v6only;
		else if (opt_int(sk, IPPROTO_IPV6, IPV6_V6ONLY, &v) == 0)
			e->v6only = v != 0;
	}
	inet_ip_level(sk, s, e, b);
	return 0;
}
