/*
 * Packet sockets (AF_PACKET): type, protocol, bound interface, version,
 * reserve, auxdata/origdev/vnet-header/loss flags, timestamp source and copy
 * threshold, multicast memberships, fanout and the geometry of the receive
 * and transmit rings (PACKET_RX_RING, PACKET_TX_RING), as packet_diag
 * reports them, plus the SOL_SOCKET options. A ring is restored empty (its
 * mapping by the memory dump, dump-mm-socket.c): refused are a socket with
 * packets waiting to be read, a receive ring with frames holding packets the
 * process has not handed back (TP_STATUS_USER; with TPACKET_V3 also packets
 * in the block the kernel is filling) and a transmit ring with frames
 * queued for sending.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/if_packet.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include "dump-files.h"
#include "log.h"
#include "sock-diag-packet.h"
#include "sockopt.h"

struct packet_state {
	PacketSockEntry psk;
	SkOptsEntry opts;
	PacketRing rx, tx;
	PacketMclist mc[SOCK_DIAG_PACKET_MC];
	PacketMclist *mcp[SOCK_DIAG_PACKET_MC];
	struct sock_diag_packet diag;
};

/* The status of frame @i of a ring of frames (V1, V2, and V3's transmit ring). */
static unsigned long ring_frame_status(const unsigned char *ring, const struct packet_diag_ring *r,
				       unsigned int ver, unsigned int i)
{
	unsigned int fpb = r->pdr_block_size / r->pdr_frame_size;
	const unsigned char *f = ring + (size_t)(i / fpb) * r->pdr_block_size +
				 (size_t)(i % fpb) * r->pdr_frame_size;

	if (ver == TPACKET_V1)
		return ((const volatile struct tpacket_hdr *)f)->tp_status;
	if (ver == TPACKET_V2)
		return ((const volatile struct tpacket2_hdr *)f)->tp_status;
	return ((const volatile struct tpacket3_hdr *)f)->tp_status;
}

/*
 * Packets a TPACKET_V3 receive ring holds: blocks handed to the process
 * (TP_STATUS_USER), and those in the block the kernel is filling (the one
 * opened last, highest seq_num) that its retire timer has not handed over yet.
 */
static unsigned int ring_v3_held(const unsigned char *ring, const struct packet_diag_ring *r)
{
	const struct tpacket_block_desc *open = NULL;
	unsigned int held = 0;

	for (unsigned int b = 0; b < r->pdr_block_nr; b++) {
		const struct tpacket_block_desc *bd =
			(const void *)(ring + (size_t)b * r->pdr_block_size);

		if (bd->hdr.bh1.block_status & TP_STATUS_USER)
			held += bd->hdr.bh1.num_pkts ? bd->hdr.bh1.num_pkts : 1;
		else if (!open || bd->hdr.bh1.seq_num > open->hdr.bh1.seq_num)
			open = bd;
	}
	if (open && open->hdr.bh1.seq_num)
		held += open->hdr.bh1.num_pkts;
	return held;
}

static size_t ring_len(const struct packet_diag_ring *r)
{
	return (size_t)r->pdr_block_size * r->pdr_block_nr;
}

/*
 * Frames the restore cannot give back, through a read-only mapping of the
 * rings by the tool (the receive ring first, as the kernel lays them out).
 */
static int ring_check(const struct fd_desc *d, const struct sock_diag_packet *p)
{
	size_t len = (p->rx_ring ? ring_len(&p->rx) : 0) + (p->tx_ring ? ring_len(&p->tx) : 0);
	unsigned int ver = p->info.pdi_version, rx = 0, tx = 0;
	const unsigned char *m;
	char what[160];

	if (!len)
		return 0;
	if ((p->rx_ring && p->rx.pdr_frame_size == 0) || (p->tx_ring && p->tx.pdr_frame_size == 0))
		return dump_fd_unsupported(d, "packet socket with a ring of frame size 0");
	m = mmap(NULL, len, PROT_READ, MAP_SHARED, d->copy, 0);
	if (m == MAP_FAILED) {
		int err = errno;

		pr_err("dump: packet socket fd %d of %d: mapping its rings: %s", d->fd, d->pid,
		       strerror(err));
		return -err;
	}
	if (p->rx_ring && ver == TPACKET_V3)
		rx = ring_v3_held(m, &p->rx);
	for (unsigned int i = 0; p->rx_ring && ver != TPACKET_V3 && i < p->rx.pdr_frame_nr; i++)
		rx += (ring_frame_status(m, &p->rx, ver, i) & TP_STATUS_USER) != 0;
	for (unsigned int i = 0; p->tx_ring && i < p->tx.pdr_frame_nr; i++)
		tx += (ring_frame_status(m + (p->rx_ring ? ring_len(&p->rx) : 0), &p->tx, ver, i) &
		       (TP_STATUS_SEND_REQUEST | TP_STATUS_SENDING)) != 0;
	munmap((void *)m, len);
	if (!rx && !tx)
		return 0;
	snprintf(what, sizeof(what),
		 rx ? "packet socket with %u received packets in its ring (PACKET_RX_RING) "
		      "(rings are restored empty: let the process consume them, then dump again)"
		    : "packet socket with %u frames queued for sending in its ring "
		      "(PACKET_TX_RING) (rings are restored empty: dump again once they are sent)",
		 rx ? rx : tx);
	return dump_fd_unsupported(d, what);
}

static int packet_check(const struct fd_desc *d, const struct sock_diag_packet *p)
{
	int q = 0;

	if (!p->has_info)
		return dump_fd_unsupported(d, "packet socket (packet_diag gives no information)");
	if (ioctl(d->copy, SIOCINQ, &q) == 0 && q > 0)
		return dump_fd_unsupported(d, "packet socket with queued packets");
	return ring_check(d, p);
}

static PacketRing *ring_fill(PacketRing *r, const struct packet_diag_ring *k)
{
	packet_ring__init(r);
	r->block_size = k->pdr_block_size;
	r->block_nr = k->pdr_block_nr;
	r->frame_size = k->pdr_frame_size;
	r->frame_nr = k->pdr_frame_nr;
	r->retire_tmo = k->pdr_retire_tmo;
	r->sizeof_priv = k->pdr_sizeof_priv;
	r->features = k->pdr_features;
	return r;
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
	if (s->diag.rx_ring)
		e->rx_ring = ring_fill(&s->rx, &s->diag.rx);
	if (s->diag.tx_ring)
		e->tx_ring = ring_fill(&s->tx, &s->diag.tx);
	fe->type = FD_TYPES__PACKETSK;
	fe->psk = e;
}

static int packet_dump(struct dump_ctx *ctx, void *st, struct fd_desc *d, FileEntry *fe)
{
	struct packet_state *s = st;
	socklen_t len = sizeof(int);
	int ret, v = 0, back;

	packet_sock_entry__init(&s->psk);
	sk_opts_entry__init(&s->opts);
	ret = dump_ns_net_enter(ctx, &back);
	if (ret)
		return ret;
	ret = sock_diag_packet_find((uint32_t)d->st.st_ino, &s->diag);
	if (dump_ns_net_leave(back) && !ret)
		ret = -EIO;
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
