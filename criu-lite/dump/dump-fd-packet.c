/*
 * Packet sockets (AF_PACKET): type, protocol, bound interface, version,
 * reserve, auxdata/origdev/vnet-header/loss flags, timestamp source and copy
 * threshold, multicast memberships and fanout, as packet_diag reports them,
 * plus the SOL_SOCKET options. Refused: a socket with a ring (PACKET_RX_RING
 * or PACKET_TX_RING: the mapped frames are not dumped) and one with packets
 * waiting to be read.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "dump-files.h"
#include "log.h"
#include "sock-diag-packet.h"

#ifndef SO_BUF_LOCK
#define SO_BUF_LOCK 72
#endif

struct packet_state {
	PacketSockEntry psk;
	SkOptsEntry opts;
	PacketMclist mc[SOCK_DIAG_PACKET_MC];
	PacketMclist *mcp[SOCK_DIAG_PACKET_MC];
	struct sock_diag_packet diag;
};

static int packet_check(const struct fd_desc *d, const struct sock_diag_packet *p)
{
	int q = 0;

	if (p->rx_ring || p->tx_ring)
		return dump_fd_unsupported(d, p->rx_ring ? "packet socket with a receive ring "
							   "(PACKET_RX_RING)"
							 : "packet socket with a transmit ring "
							   "(PACKET_TX_RING)");
	if (!p->has_info)
		return dump_fd_unsupported(d, "packet socket (packet_diag gives no information)");
	if (ioctl(d->copy, SIOCINQ, &q) == 0 && q > 0)
		return dump_fd_unsupported(d, "packet socket with queued packets");
	return 0;
}

static void packet_fill(struct packet_state *s, const struct fd_desc *d, FileEntry *fe)
{
	const struct packet_diag_info *i = &s->diag.info;
	PacketSockEntry *e = &s->psk;

	e->id = fe->id;
	e->type = s->diag.type;
	e->protocol = s->diag.proto;
	e->flags = d->fi.flags & ~O_CLOEXEC;
	e->ifindex = i->pdi_index;
	e->fown = d->fown;
	e->opts = &s->opts;
	e->version = i->pdi_version;
	e->reserve = i->pdi_reserve;
	e->aux_data = (i->pdi_flags & PDI_AUXDATA) != 0;
	e->orig_dev = (i->pdi_flags & PDI_ORIGDEV) != 0;
	e->vnet_hdr = (i->pdi_flags & PDI_VNETHDR) != 0;
	e->loss = (i->pdi_flags & PDI_LOSS) != 0;
	e->timestamp = i->pdi_tstamp;
	e->copy_thresh = i->pdi_copy_thresh;
	for (size_t k = 0; k < s->diag.nr_mc; k++) {
		const struct packet_diag_mclist *m = &s->diag.mc[k];

		packet_mclist__init(&s->mc[k]);
		s->mc[k].index = m->pdmc_index;
		s->mc[k].type = m->pdmc_type;
		s->mc[k].addr.len = m->pdmc_alen < sizeof(m->pdmc_addr) ? m->pdmc_alen : 0;
		s->mc[k].addr.data = (uint8_t *)m->pdmc_addr;
		s->mcp[k] = &s->mc[k];
	}
	e->n_mclist = s->diag.nr_mc;
	e->mclist = s->mcp;
	if (s->diag.has_fanout) {
		e->has_fanout = true;
		e->fanout = s->diag.fanout;
	}
	fe->type = FD_TYPES__PACKETSK;
	fe->psk = e;
}

static int packet_dump(struct dump_ctx *ctx, void *st, struct fd_desc *d, FileEntry *fe)
{
	struct packet_state *s = st;
	socklen_t len = sizeof(int);
	int ret, v = 0;

	packet_sock_entry__init(&s->psk);
	sk_opts_entry__init(&s->opts);
	ret = sock_diag_packet_find((uint32_t)d->st.st_ino, &s->diag);
	if (!ret)
		ret = dump_sk_opts(d->copy, &s->opts);
	if (ret) {
		pr_err("dump: packet socket fd %d of %d: %s", d->fd, d->pid, strerror(-ret));
		return ret;
	}
	ret = packet_check(d, &s->diag);
	if (ret)
		return ret;
	if (getsockopt(d->copy, SOL_SOCKET, SO_BUF_LOCK, &v, &len) == 0) {
		s->opts.has_so_buf_lock = true;
		s->opts.so_buf_lock = (uint32_t)v;
	}
	packet_fill(s, d, fe);
	return 0;
}

static int packet_match(const struct fd_desc *d)
{
	int fam, ret = dump_sk_family(d, &fam);

	return ret ? ret : fam == AF_PACKET;
}

static int packet_init(struct dump_ctx *ctx, void **st)
{
	*st = calloc(1, sizeof(struct packet_state));
	return *st ? 0 : -ENOMEM;
}

static void packet_fini(void *st)
{
	free(st);
}

const struct fd_dump_ops dump_fd_packet = {
	.name = "packet socket",
	.type = FD_TYPES__PACKETSK,
	.init = packet_init,
	.match = packet_match,
	.dump = packet_dump,
	.fini = packet_fini,
};
