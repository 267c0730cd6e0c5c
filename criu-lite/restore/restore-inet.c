/*
 * Restore: inet sockets (TCP listeners, never-connected TCP sockets,
 * established TCP connections through repair mode in restore-tcp.c, UDP
 * sockets). The tool creates each one before forking: options that matter
 * for binding first (SO_REUSEADDR, SO_REUSEPORT, IPV6_V6ONLY, IP_FREEBIND),
 * then bind to the recorded address and port (free again once the dumped
 * tree is gone), listen with the recorded backlog or connect a UDP socket to
 * its recorded peer, then the remaining options, shutdown and O_NONBLOCK.
 * TCP connections in any state go through repair mode (restore-tcp.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "log.h"
#include "restore-fd.h"
#include "restore-inet.h"
#include "tcp-repair.h"

#define RST_TCP_LISTEN 10
#define RST_TCP_CLOSE 7
#define RST_TCP_ESTABLISHED 1

static bool rst_inet_supported(const FileEntry *fe)
{
	const InetSkEntry *e = fe->isk;
	size_t na;

	if (!e || !e->opts || (e->family != AF_INET && e->family != AF_INET6))
		return false;
	na = e->family == AF_INET6 ? 4 : 1;
	if (e->n_src_addr < na || e->n_dst_addr < na)
		return false;
	if (e->type == SOCK_STREAM && e->proto == IPPROTO_TCP)
		return e->state == RST_TCP_LISTEN || e->state == RST_TCP_CLOSE ||
		       tcp_state_repairable(e->state);
	/* UDP, UDP-lite, ICMP (ping) and raw sockets: bound and/or connected. */
	if ((e->type == SOCK_DGRAM && (e->proto == IPPROTO_UDP || e->proto == IPPROTO_UDPLITE ||
				       e->proto == IPPROTO_ICMP || e->proto == IPPROTO_ICMPV6)) ||
	    e->type == SOCK_RAW)
		return e->state == RST_TCP_CLOSE || e->state == RST_TCP_ESTABLISHED;
	return false;
}

static socklen_t rst_inet_addr(const InetSkEntry *e, bool dst, struct sockaddr_storage *ss)
{
	const uint32_t *a = dst ? e->dst_addr : e->src_addr;
	uint16_t port = (uint16_t)(dst ? e->dst_port : e->src_port);

	memset(ss, 0, sizeof(*ss));
	if (e->family == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)ss;

		s->sin_family = AF_INET;
		s->sin_port = htons(port);
		s->sin_addr.s_addr = a[0];
		return sizeof(*s);
	} else {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)ss;

		s->sin6_family = AF_INET6;
		s->sin6_port = htons(port);
		memcpy(&s->sin6_addr, a, 16);
		return sizeof(*s);
	}
}

static bool rst_inet_bound(const InetSkEntry *e)
{
	size_t na = e->family == AF_INET6 ? 4 : 1;

	if (e->src_port)
		return true;
	for (size_t i = 0; i < na; i++)
		if (e->src_addr[i])
			return true;
	return false;
}

static bool rst_inet_tcp_conn(const InetSkEntry *e)
{
	return e->proto == IPPROTO_TCP && tcp_state_repairable(e->state);
}

/*
 * --tcp-close at restore, or a dump made with it (inventory tcp_close):
 * connections come back as closed sockets, as criu's: unbound (a connection's
 * port went with it) and unconnected, so reads fail with ENOTCONN and writes
 * with EPIPE.
 */
static bool rst_inet_closed(const struct rst_ctx *c, const InetSkEntry *e)
{
	return rst_inet_tcp_conn(e) &&
	       (c->o->tcp_close || (c->inv && c->inv->has_tcp_close && c->inv->tcp_close));
}

/* "ADDR:PORT" of @e's own end (@dst: its peer's) into @buf. */
static const char *rst_inet_name(const InetSkEntry *e, bool dst, char *buf, size_t len)
{
	struct sockaddr_storage ss;
	char a[INET6_ADDRSTRLEN] = "?";
	const void *ap;
	unsigned int port;

	if ((dst ? e->n_dst_addr : e->n_src_addr) < (e->family == AF_INET ? 1u : 4u)) {
		snprintf(buf, len, "port %u", dst ? e->dst_port : e->src_port);
		return buf;
	}
	rst_inet_addr(e, dst, &ss);
	if (ss.ss_family == AF_INET6) {
		ap = &((struct sockaddr_in6 *)&ss)->sin6_addr;
		port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	} else {
		ap = &((struct sockaddr_in *)&ss)->sin_addr;
		port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	}
	inet_ntop(ss.ss_family, ap, a, sizeof(a));
	snprintf(buf, len, ss.ss_family == AF_INET6 ? "[%s]:%u" : "%s:%u", a, port);
	return buf;
}

/* What the user can do about @err in step @what, or "". */
static const char *rst_inet_hint(const char *what, int err, bool tcp_conn)
{
	if (err == -EADDRNOTAVAIL && !strcmp(what, "bind"))
		return " (the address is not on this host or network namespace: restore where it "
		       "is configured)";
	if (err == -EADDRINUSE && !strcmp(what, "bind") && !tcp_conn)
		return " (another socket here holds that port: free it and restore again)";
	if ((err == -EADDRNOTAVAIL || err == -EADDRINUSE) && tcp_conn)
		return " (the connection is still in use here, e.g. the original's end in "
		       "TIME_WAIT: wait for it to go, or restore with --tcp-close)";
	return "";
}

/* bind, listen or connect; the step that failed goes to @what. */
static int rst_inet_place(int sk, const InetSkEntry *e, struct rst_tcp_conn *t, const char **what)
{
	struct sockaddr_storage ss;
	socklen_t len;

	*what = "bind";
	if (rst_inet_bound(e)) {
		len = rst_inet_addr(e, false, &ss);
		if (bind(sk, (struct sockaddr *)&ss, len))
			return -errno;
	}
	*what = "listen";
	if (e->state == RST_TCP_LISTEN && listen(sk, (int)e->backlog))
		return -errno;
	*what = "connect";
	if (t) /* TCP in repair mode: no handshake; its FINs and shutdown come at the end */
		return rst_tcp_connect(t, e, sk);
	if (e->state == RST_TCP_ESTABLISHED) { /* UDP */
		len = rst_inet_addr(e, true, &ss);
		if (connect(sk, (struct sockaddr *)&ss, len))
			return -errno;
	}
	*what = "shutdown";
	/* SkShutdown READ 1, WRITE 2, BOTH 3 map to SHUT_RD 0, SHUT_WR 1, SHUT_RDWR 2. */
	if (e->has_shutdown && e->shutdown && shutdown(sk, (int)e->shutdown - 1) &&
	    errno != ENOTCONN)
		return -errno;
	return 0;
}

/* A TCP connection: repair mode, its image and sequence numbers. */
static int rst_inet_tcp_prepare(struct rst_ctx *c, const InetSkEntry *e, int sk,
				struct rst_tcp_conn **t)
{
	struct sockaddr_storage self, peer;
	socklen_t len = rst_inet_addr(e, false, &self);

	rst_inet_addr(e, true, &peer);
	return rst_tcp_prepare(c, e, sk, (struct sockaddr *)&self, (struct sockaddr *)&peer, len,
			       t);
}

static int rst_inet_open(struct rst_ctx *c, const FileEntry *fe, int *fdp)
{
	const InetSkEntry *e = fe->isk;
	bool closed = rst_inet_closed(c, e), tcp_conn = rst_inet_tcp_conn(e) && !closed;
	struct rst_tcp_conn *t = NULL;
	const char *what = "socket";
	int sk, ret = 0;

	sk = socket((int)e->family, (int)e->type | SOCK_CLOEXEC, (int)e->proto);
	if (sk < 0)
		ret = -errno;
	if (!ret && tcp_conn) {
		what = "TCP repair mode (needs CAP_NET_ADMIN) or tcp-stream image";
		ret = rst_inet_tcp_prepare(c, e, sk, &t);
	}
	if (!ret) {
		what = "options";
		ret = rst_inet_opts_pre_bind(sk, e, tcp_conn);
	}
	if (!ret && !closed)
		ret = rst_inet_place(sk, e, t, &what);
	if (!ret && tcp_conn)
		ret = rst_tcp_fill(t, e, sk, &what);
	if (!ret) {
		what = "options";
		ret = rst_inet_opts_post(sk, e);
	}
	if (!ret && (e->flags & O_NONBLOCK) && fcntl(sk, F_SETFL, O_NONBLOCK))
		ret = -errno;
	if (!ret && t) {
		what = "memory";
		ret = rst_tcp_keep(rst_fd_state(c, &rst_fd_inet), fe, t); /* frees @t on failure */
		t = NULL;
	}
	rst_tcp_drop(t);
	if (ret) {
		char self[64], peer[64];

		pr_err("inet socket %u (inode %u, %s%s%s): %s: %s%s", fe->id, e->ino,
		       rst_inet_name(e, false, self, sizeof(self)), tcp_conn ? " to " : "",
		       tcp_conn ? rst_inet_name(e, true, peer, sizeof(peer)) : "", what,
		       strerror(-ret), rst_inet_hint(what, ret, tcp_conn));
		if (sk >= 0)
			close(sk);
		return ret;
	}
	*fdp = sk;
	return 0;
}

/* TCP listeners before anything else: restored connections may share their ports. */
static int rst_inet_listeners_open(struct rst_ctx *c)
{
	for (size_t i = 0; i < c->nr_files; i++) {
		struct rst_file *f = &c->files[i];
		int ret;

		if (f->fd >= 0 || f->fe->type != FD_TYPES__INETSK || !rst_inet_supported(f->fe) ||
		    f->fe->isk->state != RST_TCP_LISTEN)
			continue;
		ret = rst_inet_open(c, f->fe, &f->fd);
		if (ret)
			return ret;
	}
	return 0;
}

static int rst_inet_open_kind(struct rst_ctx *c, const struct rst_task *t, const FileEntry *fe,
			      int *fdp)
{
	return rst_inet_open(c, fe, fdp);
}

static int rst_inet_finish(struct rst_ctx *c)
{
	return rst_tcp_finish(c, rst_fd_state(c, &rst_fd_inet));
}

RST_FD_FOWN(rst_inet_fown, isk)

/* The inet socket kind: listeners early, established TCP connections leave repair mode last. */
const struct fd_rst_ops rst_fd_inet = {
	.name = "inet socket",
	.type = FD_TYPES__INETSK,
	.init = rst_tcp_set_new,
	.fini = rst_tcp_set_free,
	.check = rst_inet_supported,
	.open_early = rst_inet_listeners_open,
	.open = rst_inet_open_kind,
	.finish = rst_inet_finish,
	.fown = rst_inet_fown,
};
