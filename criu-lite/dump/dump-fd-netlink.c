/*
 * Netlink sockets (AF_NETLINK): protocol, own port id and multicast groups
 * (getsockname, NETLINK_LIST_MEMBERSHIPS for groups above 32), the peer of
 * a connected one (getpeername), the SOL_SOCKET options, read on the tool's
 * copy of the fd. A message waiting to be read is refused: restore could not
 * put it back.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "dump-files.h"
#include "log.h"
#include "sockopt.h"

#define NL_MAX_GROUP_WORDS 32 /* 1024 groups */

struct netlink_state {
	NetlinkSkEntry nl;
	SkOptsEntry opts;
	uint32_t groups[NL_MAX_GROUP_WORDS];
};

/* The groups bitmap (one bit per group, group 1 is bit 0 of word 0): its word count. */
static size_t nl_groups(int sk, uint32_t first32, uint32_t *g)
{
	socklen_t len = NL_MAX_GROUP_WORDS * sizeof(uint32_t);
	size_t n;

	memset(g, 0, len);
	if (getsockopt(sk, SOL_NETLINK, NETLINK_LIST_MEMBERSHIPS, g, &len) ||
	    len > NL_MAX_GROUP_WORDS * 4) {
		g[0] = first32;
		len = 4;
	}
	for (n = len / 4; n && !g[n - 1]; n--)
		;
	return n;
}

static int nl_describe(int sk, NetlinkSkEntry *e, uint32_t *groups)
{
	struct sockaddr_nl a;
	socklen_t len = sizeof(a);
	int proto;

	len = sizeof(proto);
	if (getsockopt(sk, SOL_SOCKET, SO_PROTOCOL, &proto, &len))
		return -errno;
	e->protocol = (uint32_t)proto;
	len = sizeof(a);
	if (getsockname(sk, (struct sockaddr *)&a, &len))
		return -errno;
	e->portid = a.nl_pid;
	e->n_groups = nl_groups(sk, a.nl_groups, groups);
	e->groups = groups;
	len = sizeof(a);
	if (getpeername(sk, (struct sockaddr *)&a, &len))
		return -errno;
	e->dst_portid = a.nl_pid;
	e->dst_group = (uint32_t)ffs((int)a.nl_groups); /* the group number, as sock_diag says */
	e->state = e->dst_portid || e->dst_group;	/* NETLINK_CONNECTED */
	return 0;
}

static int netlink_dump(struct dump_ctx *ctx, void *st, struct fd_desc *d, FileEntry *fe)
{
	struct netlink_state *s = st;
	NetlinkSkEntry *e = &s->nl;
	int sk = d->copy, v = 0, ret;
	socklen_t len = sizeof(v);
	char c;

	netlink_sk_entry__init(e);
	sk_opts_entry__init(&s->opts);
	if (recv(sk, &c, 1, MSG_PEEK | MSG_DONTWAIT) >= 0)
		return dump_fd_unsupported(d, "netlink socket with queued messages");
	ret = nl_describe(sk, e, s->groups);
	if (!ret)
		ret = dump_sk_opts(sk, &s->opts);
	if (ret) {
		pr_err("dump: netlink socket fd %d of %d: %s", d->fd, d->pid, strerror(-ret));
		return ret;
	}
	if (getsockopt(sk, SOL_SOCKET, SO_BUF_LOCK, &v, &len) == 0) {
		s->opts.has_so_buf_lock = true;
		s->opts.so_buf_lock = (uint32_t)v;
	}
	e->id = fe->id;
	e->ino = (uint32_t)d->st.st_ino;
	e->flags = d->fi.flags & ~O_CLOEXEC;
	e->fown = d->fown;
	e->opts = &s->opts;
	fe->type = FD_TYPES__NETLINKSK;
	fe->nlsk = e;
	return 0;
}

static int netlink_match(const struct fd_desc *d)
{
	int fam, ret = dump_sk_family(d, &fam);

	return ret ? ret : fam == AF_NETLINK;
}

static int netlink_init(struct dump_ctx *ctx, void **st)
{
	*st = calloc(1, sizeof(struct netlink_state));
	return *st ? 0 : -ENOMEM;
}

static void netlink_fini(void *st)
{
	free(st);
}

const struct fd_dump_ops dump_fd_netlink = {
	.name = "netlink socket",
	.type = FD_TYPES__NETLINKSK,
	.init = netlink_init,
	.match = netlink_match,
	.dump = netlink_dump,
	.fini = netlink_fini,
};
