/*
 * The network lock through libnftables (nf-lock.h): one table "inet NAME"
 * with an input and an output chain, two sets of locked connections (IPv4,
 * IPv6; each element local address . local port . remote address . remote
 * port) and one set of listening ports whose connection attempts are dropped.
 * The table is CRIU's name for its own lock ("CRIU-" and the root pid), so
 * either tool finds the other's. Built without libnftables (static builds:
 * Debian ships no libnftables.a), the backend says so.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "nf-lock.h"

#ifdef CRL_HAVE_NFTABLES
#include <nftables/libnftables.h>
#endif

int nf_lock_nft_text(char *buf, size_t len, char what, const char *name, const struct nf_tuple *t,
		     uint16_t port)
{
	const char *c4 = "ip daddr . tcp dport . ip saddr . tcp sport";
	const char *c6 = "ip6 daddr . tcp dport . ip6 saddr . tcp sport";
	const char *o4 = "ip saddr . tcp sport . ip daddr . tcp dport";
	const char *o6 = "ip6 saddr . tcp sport . ip6 daddr . tcp dport";
	char l[INET6_ADDRSTRLEN], r[INET6_ADDRSTRLEN];
	int n = -1;

	switch (what) {
	case 'c':
		n = snprintf(
			buf, len,
			"add table inet %1$s\n"
			"add chain inet %1$s input { type filter hook input priority -150 ; "
			"policy accept ; }\n"
			"add chain inet %1$s output { type filter hook output priority -150 ; "
			"policy accept ; }\n"
			"add set inet %1$s conns4 { type ipv4_addr . inet_service . ipv4_addr . "
			"inet_service ; }\n"
			"add set inet %1$s conns6 { type ipv6_addr . inet_service . ipv6_addr . "
			"inet_service ; }\n"
			"add set inet %1$s ports { type inet_service ; }\n"
			"add rule inet %1$s input meta mark 0x%2$x accept\n"
			"add rule inet %1$s input %3$s @conns4 drop\n"
			"add rule inet %1$s input %4$s @conns6 drop\n"
			"add rule inet %1$s input tcp dport @ports tcp flags & (syn | ack) == syn "
			"drop\n"
			"add rule inet %1$s output meta mark 0x%2$x accept\n"
			"add rule inet %1$s output %5$s @conns4 drop\n"
			"add rule inet %1$s output %6$s @conns6 drop\n",
			name, NF_LOCK_MARK, c4, c6, o4, o6);
		break;
	case 't':
		if (!inet_ntop(t->family, t->laddr, l, sizeof(l)) ||
		    !inet_ntop(t->family, t->raddr, r, sizeof(r)))
			return -EINVAL;
		n = snprintf(buf, len, "add element inet %s conns%c { %s . %u . %s . %u }\n", name,
			     t->family == AF_INET6 ? '6' : '4', l, t->lport, r, t->rport);
		break;
	case 'p':
		n = snprintf(buf, len, "add element inet %s ports { %u }\n", name, port);
		break;
	case 'd':
		n = snprintf(buf, len, "delete table inet %s\n", name);
		break;
	default:
		return -EINVAL;
	}
	return n < 0 || (size_t)n >= len ? -ENOSPC : n;
}

#ifdef CRL_HAVE_NFTABLES
/* Runs @cmd in a fresh context: 0, or -EPROTO with nft's first error line in @err. */
static int nft_run(const char *cmd, char *err, size_t len)
{
	struct nft_ctx *nft = nft_ctx_new(NFT_CTX_DEFAULT);
	const char *msg;
	int ret = 0;

	if (len)
		err[0] = '\0';
	if (!nft)
		return -ENOMEM;
	if (nft_ctx_buffer_output(nft) || nft_ctx_buffer_error(nft)) {
		nft_ctx_free(nft);
		return -ENOMEM;
	}
	if (nft_run_cmd_from_buffer(nft, cmd)) {
		ret = -EPROTO;
		msg = nft_ctx_get_error_buffer(nft);
		snprintf(err, len, "%s", msg && *msg ? msg : "nft command failed");
		if (strchr(err, '\n'))
			*strchr(err, '\n') = '\0';
	}
	nft_ctx_free(nft);
	return ret;
}

static int nft_do(const char *name, char what, const struct nf_tuple *t, uint16_t port, char *err,
		  size_t len)
{
	char buf[2048];
	int ret = nf_lock_nft_text(buf, sizeof(buf), what, name, t, port);

	return ret < 0 ? ret : nft_run(buf, err, len);
}

static int nft_available(char *err, size_t len)
{
	return 0;
}

static int nft_exists(const char *name, char *err, size_t len)
{
	char cmd[128];
	int ret;

	snprintf(cmd, sizeof(cmd), "list table inet %s\n", name);
	ret = nft_run(cmd, err, len);
	if (ret == -EPROTO && strstr(err, "No such file"))
		return 0;
	return ret ? ret : 1;
}
#else
static int nft_do(const char *name, char what, const struct nf_tuple *t, uint16_t port, char *err,
		  size_t len)
{
	snprintf(err, len, "criu-lite was built without libnftables");
	return -EOPNOTSUPP;
}

static int nft_available(char *err, size_t len)
{
	return nft_do(NULL, 0, NULL, 0, err, len);
}

static int nft_exists(const char *name, char *err, size_t len)
{
	return nft_do(NULL, 0, NULL, 0, err, len);
}
#endif

static int nft_create(const char *name, char *err, size_t len)
{
	return nft_do(name, 'c', NULL, 0, err, len);
}

static int nft_add_conn(const char *name, const struct nf_tuple *t, char *err, size_t len)
{
	return nft_do(name, 't', t, 0, err, len);
}

static int nft_add_port(const char *name, uint16_t port, char *err, size_t len)
{
	return nft_do(name, 'p', NULL, port, err, len);
}

static int nft_destroy(const char *name, char *err, size_t len)
{
	return nft_do(name, 'd', NULL, 0, err, len);
}

const struct nf_lock_ops nf_lock_nftables = {
	.name = "nftables",
	.available = nft_available,
	.create = nft_create,
	.add_conn = nft_add_conn,
	.add_port = nft_add_port,
	.exists = nft_exists,
	.destroy = nft_destroy,
};
