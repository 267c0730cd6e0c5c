/*
 * inet sockets (AF_INET, AF_INET6): TCP listeners, TCP sockets that never
 * connected (unbound or bound), UDP sockets (unbound, bound, connected).
 * State, addresses, backlog and shutdown come from sock_diag; sockets it does
 * not know (unbound ones are in no hash table) are described through
 * getsockname and TCP_INFO on the tool's copy of the fd. Options are read on
 * that copy too. Established connections are read in TCP repair mode
 * (dump-fd-tcp.c), and so are connections being set up (SYN_SENT) or closing
 * (a FIN sent or received); anything queued that restore could not put back
 * is refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dump-inet.h"
#include "dump.h"
#include "log.h"
#include "tcp-repair.h"

/* The kind's state for one dump. */
struct inet_state {
	struct sock_diag_inet *socks; /* TCP/UDP sockets, loaded on the first inet fd */
	size_t nr_socks;
	bool loaded;
	struct dump_tcp_locks tcp; /* established connections held in repair mode */
	/* the entry being built */
	InetSkEntry isk;
	SkOptsEntry skopts;
	struct inet_opts_buf opts;
	uint32_t isk_src[4], isk_dst[4];
};

static const char *const tcp_states[] = {
	[1] = "ESTABLISHED", [2] = "SYN_SENT",	[3] = "SYN_RECV", [4] = "FIN_WAIT1",
	[5] = "FIN_WAIT2",   [6] = "TIME_WAIT", [7] = "CLOSE",	  [8] = "CLOSE_WAIT",
	[9] = "LAST_ACK",    [10] = "LISTEN",	[11] = "CLOSING",
};

static int opt_int(int sk, int level, int name, int *val)
{
	socklen_t len = sizeof(*val);

	*val = 0;
	return getsockopt(sk, level, name, val, &len) ? -errno : 0;
}

/* Port and address of @ss into @port and @addr (network order). */
static void inet_sockaddr(const struct sockaddr_storage *ss, uint16_t *port, uint32_t *addr)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)ss;

		*port = ntohs(a->sin_port);
		addr[0] = a->sin_addr.s_addr;
	} else {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;

		*port = ntohs(a->sin6_port);
		memcpy(addr, &a->sin6_addr, 16);
	}
}

/*
 * What sock_diag would say about a socket it does not list (unbound ones;
 * UDP-lite, raw and ICMP sockets, which inet_diag lists apart): addresses
 * from getsockname/getpeername (a connected datagram or raw socket is
 * ESTABLISHED), a TCP socket's state from TCP_INFO, the bytes queued.
 */
static int inet_describe(int sk, int fam, int proto, struct sock_diag_inet *s)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct tcp_info ti;
	int q = 0;

	memset(s, 0, sizeof(*s));
	s->family = (uint8_t)fam;
	s->proto = (uint8_t)proto;
	s->state = 7; /* TCP_CLOSE */
	s->v6only = -1;
	if (getsockname(sk, (struct sockaddr *)&ss, &len))
		return -errno;
	inet_sockaddr(&ss, &s->sport, s->src);
	len = sizeof(ti);
	if (proto == IPPROTO_TCP) {
		if (getsockopt(sk, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0)
			s->state = ti.tcpi_state;
		return 0;
	}
	len = sizeof(ss);
	if (getpeername(sk, (struct sockaddr *)&ss, &len) == 0) {
		s->state = 1; /* TCP_ESTABLISHED */
		inet_sockaddr(&ss, &s->dport, s->dst);
	} else if (errno != ENOTCONN) {
		return -errno;
	}
	if (ioctl(sk, SIOCINQ, &q) == 0)
		s->rqlen = (uint32_t)q;
	if (ioctl(sk, SIOCOUTQ, &q) == 0)
		s->wqlen = (uint32_t)q;
	return 0;
}

/* Datagram-like inet sockets restore rebuilds (without their queues). */
static const char *inet_dgram_kind(int type, int proto)
{
	if (type == SOCK_RAW)
		return "raw socket";
	if (type != SOCK_DGRAM)
		return NULL;
	switch (proto) {
	case IPPROTO_UDP:
		return "UDP socket";
	case IPPROTO_UDPLITE:
		return "UDP-lite socket";
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		return "ICMP (ping) socket";
	default:
		return NULL;
	}
}

/*
 * Connections still queued at the freeze (the program had its moment to
 * accept them, dump-netlock.c): left out with --skip-in-flight, as criu
 * (their clients see the connection fail), else refused: a socket rebuilt in
 * repair mode cannot be put into an accept queue.
 */
static int inet_check_queue(const struct dump_ctx *ctx, const struct fd_desc *d,
			    const struct sock_diag_inet *s)
{
	char what[256];

	if (ctx->o->skip_in_flight) {
		pr_warn("dump: fd %d of %d: TCP listener on port %u: %u connection(s) waiting to "
			"be "
			"accepted are left out (--skip-in-flight)",
			d->fd, d->pid, s->sport, s->rqlen);
		return 0;
	}
	snprintf(what, sizeof(what),
		 "listening TCP socket on port %u with %u connection(s) still waiting to be "
		 "accepted after the program was given 1 s to accept them; retry, or pass "
		 "--skip-in-flight to leave them out",
		 s->sport, s->rqlen);
	return dump_fd_unsupported(d, what);
}

/* Refuses what restore cannot rebuild; 0 if the socket is fine. */
static int inet_check(const struct dump_ctx *ctx, const struct fd_desc *d,
		      const struct sock_diag_inet *s, int type)
{
	char what[128];

	if (s->proto == IPPROTO_TCP && type == SOCK_STREAM) {
		if (s->state == 10 && s->rqlen)
			return inet_check_queue(ctx, d, s);
		if (s->state != 10 && s->state != 7 && !tcp_state_repairable(s->state)) {
			snprintf(what, sizeof(what),
				 "TCP socket in state %s (only listening, unconnected, connecting, "
				 "established and closing ones are supported)",
				 s->state < 12 ? tcp_states[s->state] : "?");
			return dump_fd_unsupported(d, what);
		}
		return 0;
	}
	if (inet_dgram_kind(type, s->proto)) {
		if (!s->rqlen && !s->wqlen)
			return 0;
		snprintf(what, sizeof(what), "%s with queued datagrams",
			 inet_dgram_kind(type, s->proto));
		return dump_fd_unsupported(d, what);
	}
	snprintf(what, sizeof(what), "inet socket of type %d, protocol %u", type, s->proto);
	return dump_fd_unsupported(d, what);
}

static int inet_lookup(const struct dump_ctx *ctx, struct inet_state *st, const struct fd_desc *d,
		       int sk, struct sock_diag_inet *s, int *type)
{
	const struct sock_diag_inet *found;
	int fam, proto, ret;

	ret = opt_int(sk, SOL_SOCKET, SO_DOMAIN, &fam);
	if (!ret)
		ret = opt_int(sk, SOL_SOCKET, SO_TYPE, type);
	if (!ret)
		ret = opt_int(sk, SOL_SOCKET, SO_PROTOCOL, &proto);
	if (!ret && !st->loaded) {
		int back;

		/* the sockets of the tree's network namespace */
		ret = dump_ns_net_enter(ctx, &back);
		if (ret)
			return ret;
		ret = sock_diag_inet_list(&st->socks, &st->nr_socks);
		if (dump_ns_net_leave(back) && !ret)
			ret = -EIO;
		if (ret) {
			pr_err("dump: inet sockets through sock_diag: %s", strerror(-ret));
			return ret;
		}
		st->loaded = true;
	}
	found = ret ? NULL : sock_diag_inet_find(st->socks, st->nr_socks, (uint32_t)d->st.st_ino);
	if (found && found->proto == proto && found->family == fam)
		*s = *found;
	else if (!ret)
		ret = inet_describe(sk, fam, proto, s);
	if (ret)
		pr_err("dump: inet socket fd %d of %d: %s", d->fd, d->pid, strerror(-ret));
	return ret;
}

static int inet_dump(struct dump_ctx *ctx, void *st, struct fd_desc *d, FileEntry *fe)
{
	struct inet_state *b = st;
	InetSkEntry *e = &b->isk;
	struct sock_diag_inet s;
	int sk = d->copy, type = 0, ret;

	inet_sk_entry__init(e);
	sk_opts_entry__init(&b->skopts);
	e->opts = &b->skopts;
	ret = inet_lookup(ctx, b, d, sk, &s, &type);
	if (ret)
		return ret;
	ret = inet_check(ctx, d, &s, type);
	if (ret)
		return ret;
	ret = dump_inet_opts(sk, &s, e, &b->opts);
	if (ret) {
		pr_err("dump: options of inet socket fd %d of %d: %s", d->fd, d->pid,
		       strerror(-ret));
		return ret;
	}
	memcpy(b->isk_src, s.src, sizeof(s.src));
	memcpy(b->isk_dst, s.dst, sizeof(s.dst));
	e->id = fe->id;
	e->ino = (uint32_t)d->st.st_ino;
	e->family = s.family;
	e->type = (uint32_t)type;
	e->proto = s.proto;
	e->state = s.state;
	e->src_port = s.sport;
	e->dst_port = s.dport;
	e->flags = d->fi.flags & ~O_CLOEXEC;
	e->backlog = s.state == 10 ? s.wqlen : 0;
	e->n_src_addr = e->n_dst_addr = s.family == AF_INET6 ? 4 : 1;
	e->src_addr = b->isk_src;
	e->dst_addr = b->isk_dst;
	e->fown = d->fown;
	e->opts = &b->skopts;
	e->has_shutdown = s.shutdown != 0;
	e->shutdown = (SkShutdown)(s.shutdown & 3);
	fe->type = FD_TYPES__INETSK;
	fe->isk = e;
	/* --tcp-close: recorded as they are, neither locked nor read; the restore closes them */
	if (s.proto != IPPROTO_TCP || !tcp_state_repairable(s.state) || ctx->o->tcp_close)
		return 0;
	ret = dump_netlock_conn(ctx, &s, b->socks, b->nr_socks);
	return ret ? ret : dump_tcp_stream(ctx, &b->tcp, d, sk, e->ino, &e->state);
}

static int inet_match(const struct fd_desc *d)
{
	int fam, ret = dump_sk_family(d, &fam);

	return ret ? ret : fam == AF_INET || fam == AF_INET6;
}

static int inet_init(struct dump_ctx *ctx, void **st)
{
	*st = calloc(1, sizeof(struct inet_state));
	return *st ? 0 : -ENOMEM;
}

static void inet_release(void *st, bool resume)
{
	struct inet_state *s = st;

	if (s)
		dump_tcp_unlock(&s->tcp, resume);
}

static void inet_fini(void *st)
{
	struct inet_state *s = st;

	if (!s)
		return;
	dump_tcp_fini(&s->tcp);
	free(s->socks);
	free(s);
}

const struct fd_dump_ops dump_fd_inet = {
	.name = "inet socket",
	.type = FD_TYPES__INETSK,
	.init = inet_init,
	.match = inet_match,
	.dump = inet_dump,
	.release = inet_release,
	.fini = inet_fini,
};
