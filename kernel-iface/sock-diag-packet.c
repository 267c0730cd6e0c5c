/*
 * Packet sockets through NETLINK_SOCK_DIAG (linux/packet_diag.h): one dump
 * of every AF_PACKET socket of the namespace with its basic information,
 * multicast memberships, ring configuration and fanout; the one with the
 * inode asked for is kept.
 */
#include <errno.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <string.h>
#include <sys/socket.h>

#include "sock-diag-nl.h"
#include "sock-diag-packet.h"

struct packet_find {
	uint32_t ino;
	struct sock_diag_packet *out;
	bool found;
};

static void packet_mclist(struct nlattr *a, struct sock_diag_packet *p)
{
	const struct packet_diag_mclist *m = nla_data(a);
	size_t n = (size_t)nla_len(a) / sizeof(*m);

	for (size_t i = 0; i < n && p->nr_mc < SOCK_DIAG_PACKET_MC; i++)
		p->mc[p->nr_mc++] = m[i];
}

/* A ring attribute (struct packet_diag_ring), or false without one. */
static bool packet_ring(struct nlattr *a, struct packet_diag_ring *r)
{
	if (!a)
		return false;
	memset(r, 0, sizeof(*r));
	memcpy(r, nla_data(a), (size_t)nla_len(a) < sizeof(*r) ? (size_t)nla_len(a) : sizeof(*r));
	return true;
}

static int packet_add(struct nlmsghdr *h, void *arg)
{
	struct nlattr *tb[PACKET_DIAG_MAX + 1];
	struct packet_find *f = arg;
	const struct packet_diag_msg *m;
	struct sock_diag_packet *p = f->out;
	int ret;

	ret = nlmsg_parse(h, sizeof(*m), tb, PACKET_DIAG_MAX, NULL);
	if (ret < 0)
		return sock_diag_nl_errno(ret);
	m = nlmsg_data(h);
	if (m->pdiag_ino != f->ino || f->found)
		return 0;
	f->found = true;
	memset(p, 0, sizeof(*p));
	p->ino = m->pdiag_ino;
	p->type = m->pdiag_type;
	p->proto = m->pdiag_num;
	if (tb[PACKET_DIAG_INFO] && nla_len(tb[PACKET_DIAG_INFO]) >= (int)sizeof(p->info)) {
		memcpy(&p->info, nla_data(tb[PACKET_DIAG_INFO]), sizeof(p->info));
		p->has_info = true;
	}
	if (tb[PACKET_DIAG_MCLIST])
		packet_mclist(tb[PACKET_DIAG_MCLIST], p);
	p->rx_ring = packet_ring(tb[PACKET_DIAG_RX_RING], &p->rx);
	p->tx_ring = packet_ring(tb[PACKET_DIAG_TX_RING], &p->tx);
	if (tb[PACKET_DIAG_FANOUT] && nla_len(tb[PACKET_DIAG_FANOUT]) >= 4) {
		p->has_fanout = true;
		p->fanout = nla_get_u32(tb[PACKET_DIAG_FANOUT]);
	}
	return 0;
}

int sock_diag_packet_find(uint32_t ino, struct sock_diag_packet *out)
{
	struct packet_diag_req req = {
		.sdiag_family = AF_PACKET,
		.pdiag_show = PACKET_SHOW_INFO | PACKET_SHOW_MCLIST | PACKET_SHOW_RING_CFG |
			      PACKET_SHOW_FANOUT,
	};
	struct packet_find f = {.ino = ino, .out = out};
	struct nl_sock *sk;
	int ret;

	ret = sock_diag_nl_open(&sk);
	if (ret)
		return ret;
	ret = sock_diag_nl_dump(sk, &req, sizeof(req), packet_add, &f);
	sock_diag_nl_close(sk);
	if (ret)
		return ret;
	return f.found ? 0 : -ENOENT;
}
