/*
 * Restore: an inet socket's recorded options, in two steps around bind:
 * first what decides binding and routing, then the rest. Buffer sizes only
 * when the process had set them (SO_BUF_LOCK says so; the kernel doubles
 * what it is given), a classic BPF filter attached again as recorded.
 */
#include <errno.h>
#include <linux/filter.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "restore-inet.h"
#include "sockopt.h"

static int set_int(int sk, int level, int name, int v)
{
	return setsockopt(sk, level, name, &v, sizeof(v)) ? -errno : 0;
}

/*
 * Options that decide whether bind succeeds. A socket in repair mode binds
 * with the kernel's forced reuse, which SO_REUSEADDR would cancel: it gets
 * SO_REUSEADDR when it leaves repair mode (rst_tcp_finish).
 */
int rst_inet_opts_pre_bind(int sk, const InetSkEntry *e, bool repair)
{
	const SkOptsEntry *o = e->opts;
	int ret = 0;

	if (!repair && o->has_reuseaddr && o->reuseaddr)
		ret = set_int(sk, SOL_SOCKET, SO_REUSEADDR, 1);
	if (!ret && o->has_so_reuseport && o->so_reuseport)
		ret = set_int(sk, SOL_SOCKET, SO_REUSEPORT, 1);
	if (!ret && e->family == AF_INET6 && e->has_v6only)
		ret = set_int(sk, IPPROTO_IPV6, IPV6_V6ONLY, e->v6only);
	if (!ret && e->ip_opts && e->ip_opts->has_freebind && e->ip_opts->freebind)
		ret = set_int(sk, IPPROTO_IP, IP_FREEBIND, 1);
	if (!ret && o->so_bound_dev && o->so_bound_dev[0] &&
	    setsockopt(sk, SOL_SOCKET, SO_BINDTODEVICE, o->so_bound_dev,
		       (socklen_t)strlen(o->so_bound_dev) + 1))
		ret = -errno;
	return ret;
}

static int set_tmo(int sk, int name, uint64_t sec, uint64_t usec)
{
	struct timeval tv = {(time_t)sec, (suseconds_t)usec};

	if (!sec && !usec)
		return 0;
	return setsockopt(sk, SOL_SOCKET, name, &tv, sizeof(tv)) ? -errno : 0;
}

static int rst_inet_raw(int sk, int family, const IpOptsRawEntry *r)
{
	int ret = 0;

	if (r->has_hdrincl && r->hdrincl)
		ret = set_int(sk, IPPROTO_IP, IP_HDRINCL, 1);
	if (!ret && r->has_nodefrag && r->nodefrag)
		ret = set_int(sk, IPPROTO_IP, IP_NODEFRAG, 1);
	if (ret || !r->n_icmpv_filter)
		return ret;
	if (family == AF_INET && r->n_icmpv_filter == 1)
		ret = setsockopt(sk, SOL_RAW, ICMP_FILTER, r->icmpv_filter, 4);
	else if (family == AF_INET6 && r->n_icmpv_filter == 8)
		ret = setsockopt(sk, IPPROTO_ICMPV6, ICMP6_FILTER, r->icmpv_filter, 32);
	else
		return -EINVAL;
	return ret ? -errno : 0;
}

static int rst_inet_ip_level(int sk, int family, const IpOptsEntry *ip)
{
	int ret = 0;

	if (!ip)
		return 0;
	if (ip->raw)
		ret = rst_inet_raw(sk, family, ip->raw);
	if (ret)
		return ret;
	if (ip->has_tos && ip->tos)
		ret = set_int(sk, IPPROTO_IP, IP_TOS, (int)ip->tos);
	if (!ret && ip->has_ttl)
		ret = set_int(sk, IPPROTO_IP, IP_TTL, (int)ip->ttl);
	if (!ret && ip->has_pktinfo && ip->pktinfo)
		ret = set_int(sk, IPPROTO_IP, IP_PKTINFO, 1);
	return ret;
}

/* The classic BPF filter, one sock_filter per recorded word. */
static int rst_inet_filter(int sk, const SkOptsEntry *o)
{
	struct sock_fprog prog;
	struct sock_filter *f;
	int ret = 0;

	if (o->n_so_filter > BPF_MAXINSNS)
		return -E2BIG;
	f = calloc(o->n_so_filter, sizeof(*f));
	if (!f)
		return -ENOMEM;
	for (size_t i = 0; i < o->n_so_filter; i++)
		memcpy(&f[i], &o->so_filter[i], sizeof(*f));
	prog.len = (unsigned short)o->n_so_filter;
	prog.filter = f;
	if (setsockopt(sk, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)))
		ret = -errno;
	free(f);
	return ret;
}

int rst_inet_opts_post(int sk, const InetSkEntry *e)
{
	const SkOptsEntry *o = e->opts;
	uint32_t lock = o->has_so_buf_lock ? o->so_buf_lock : 0;
	int ret;

	/* IP_TOS first: it sets the priority too, which SO_PRIORITY then overrides. */
	ret = rst_inet_ip_level(sk, (int)e->family, e->ip_opts);
	/* The kernel doubles what it is given: only sizes the process had set. */
	if (!ret && (lock & 1))
		ret = set_int(sk, SOL_SOCKET, SO_SNDBUF, (int)(o->so_sndbuf / 2));
	if (!ret && (lock & 2))
		ret = set_int(sk, SOL_SOCKET, SO_RCVBUF, (int)(o->so_rcvbuf / 2));
	if (!ret)
		ret = set_tmo(sk, SO_SNDTIMEO, o->so_snd_tmo_sec, o->so_snd_tmo_usec);
	if (!ret)
		ret = set_tmo(sk, SO_RCVTIMEO, o->so_rcv_tmo_sec, o->so_rcv_tmo_usec);
	if (!ret && o->has_so_broadcast && o->so_broadcast)
		ret = set_int(sk, SOL_SOCKET, SO_BROADCAST, 1);
	if (!ret && o->has_so_keepalive && o->so_keepalive)
		ret = set_int(sk, SOL_SOCKET, SO_KEEPALIVE, 1);
	if (!ret && o->has_so_dontroute && o->so_dontroute)
		ret = set_int(sk, SOL_SOCKET, SO_DONTROUTE, 1);
	if (!ret && o->has_so_priority && (o->so_priority || (e->ip_opts && e->ip_opts->tos)))
		ret = set_int(sk, SOL_SOCKET, SO_PRIORITY, (int)o->so_priority);
	if (!ret && o->has_so_rcvlowat && o->so_rcvlowat > 1)
		ret = set_int(sk, SOL_SOCKET, SO_RCVLOWAT, (int)o->so_rcvlowat);
	if (!ret && o->has_so_mark && o->so_mark)
		ret = set_int(sk, SOL_SOCKET, SO_MARK, (int)o->so_mark);
	if (!ret && o->has_so_oobinline && o->so_oobinline)
		ret = set_int(sk, SOL_SOCKET, SO_OOBINLINE, 1);
	if (!ret && o->has_so_linger) {
		struct linger lg = {1, (int)o->so_linger};

		if (setsockopt(sk, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)))
			ret = -errno;
	}
	if (!ret && e->proto == IPPROTO_TCP && o->has_tcp_keepcnt)
		ret = set_int(sk, IPPROTO_TCP, TCP_KEEPCNT, (int)o->tcp_keepcnt);
	if (!ret && e->proto == IPPROTO_TCP && o->has_tcp_keepidle)
		ret = set_int(sk, IPPROTO_TCP, TCP_KEEPIDLE, (int)o->tcp_keepidle);
	if (!ret && e->proto == IPPROTO_TCP && o->has_tcp_keepintvl)
		ret = set_int(sk, IPPROTO_TCP, TCP_KEEPINTVL, (int)o->tcp_keepintvl);
	if (!ret && o->n_so_filter)
		ret = rst_inet_filter(sk, o);
	return ret;
}
