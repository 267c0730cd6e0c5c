/*
 * Restore: packet sockets, created by the tool with the recorded type and
 * protocol; version, reserve, flags, timestamp source and copy threshold set
 * before the rings (the kernel refuses PACKET_VERSION, PACKET_RESERVE,
 * PACKET_VNET_HDR and PACKET_LOSS with EBUSY once a ring exists), which come
 * back empty, before binding to the recorded interface, then the multicast memberships
 * (PACKET_ADD_MEMBERSHIP), fanout (which needs a bound, running socket),
 * buffer sizes the process had set and O_NONBLOCK.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "restore-fd.h"

static bool rst_packet_check(const FileEntry *fe)
{
	return fe->psk && fe->psk->opts;
}

static int set_int(int sk, int level, int name, int v)
{
	return setsockopt(sk, level, name, &v, sizeof(v)) ? -errno : 0;
}

static int rst_packet_pre_bind(int sk, const PacketSockEntry *e)
{
	int ret = 0;

	if (e->version)
		ret = set_int(sk, SOL_PACKET, PACKET_VERSION, (int)e->version);
	if (!ret && e->reserve)
		ret = set_int(sk, SOL_PACKET, PACKET_RESERVE, (int)e->reserve);
	if (!ret && e->aux_data)
		ret = set_int(sk, SOL_PACKET, PACKET_AUXDATA, 1);
	if (!ret && e->orig_dev)
		ret = set_int(sk, SOL_PACKET, PACKET_ORIGDEV, 1);
	if (!ret && e->vnet_hdr)
		ret = set_int(sk, SOL_PACKET, PACKET_VNET_HDR, 1);
	if (!ret && e->loss)
		ret = set_int(sk, SOL_PACKET, PACKET_LOSS, 1);
	if (!ret && e->timestamp)
		ret = set_int(sk, SOL_PACKET, PACKET_TIMESTAMP, (int)e->timestamp);
	if (!ret && e->copy_thresh)
		ret = set_int(sk, SOL_PACKET, PACKET_COPY_THRESH, (int)e->copy_thresh);
	return ret;
}

/*
 * One ring (PACKET_RX_RING or PACKET_TX_RING) with the recorded geometry:
 * struct tpacket_req3 for TPACKET_V3, whose first four fields are struct
 * tpacket_req, the only ones the older versions take.
 */
static int rst_packet_ring(int sk, int opt, unsigned int version, const PacketRing *r)
{
	struct tpacket_req3 req = {
		.tp_block_size = r->block_size,
		.tp_block_nr = r->block_nr,
		.tp_frame_size = r->frame_size,
		.tp_frame_nr = r->frame_nr,
		.tp_retire_blk_tov = r->retire_tmo,
		.tp_sizeof_priv = r->sizeof_priv,
		.tp_feature_req_word = r->features,
	};
	socklen_t len = version == TPACKET_V3 ? sizeof(req) : sizeof(struct tpacket_req);

	return setsockopt(sk, SOL_PACKET, opt, &req, len) ? -errno : 0;
}

static int rst_packet_place(int sk, const PacketSockEntry *e, const char **what)
{
	struct sockaddr_ll a = {.sll_family = AF_PACKET};

	*what = "bind";
	a.sll_protocol = htons((uint16_t)e->protocol);
	a.sll_ifindex = (int)e->ifindex;
	if (e->ifindex && bind(sk, (struct sockaddr *)&a, sizeof(a)))
		return -errno;
	*what = "PACKET_ADD_MEMBERSHIP";
	for (size_t i = 0; i < e->n_mclist; i++) {
		const PacketMclist *m = e->mclist[i];
		struct packet_mreq mr = {.mr_ifindex = (int)m->index,
					 .mr_type = (unsigned short)m->type};

		if (m->addr.len > sizeof(mr.mr_address))
			return -EINVAL;
		mr.mr_alen = (unsigned short)m->addr.len;
		if (m->addr.len) /* an empty bytes field has no data pointer */
			memcpy(mr.mr_address, m->addr.data, m->addr.len);
		if (setsockopt(sk, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)))
			return -errno;
	}
	*what = "PACKET_FANOUT";
	if (e->has_fanout && e->fanout != 0xffffffff &&
	    set_int(sk, SOL_PACKET, PACKET_FANOUT, (int)e->fanout))
		return -errno;
	return 0;
}

static int rst_packet_open(struct rst_ctx *c, const struct rst_task *t, const FileEntry *fe,
			   int *fdp)
{
	const PacketSockEntry *e = fe->psk;
	const SkOptsEntry *o = e->opts;
	uint32_t lock = o->has_so_buf_lock ? o->so_buf_lock : 0;
	const char *what = "socket";
	int sk, ret = 0;

	sk = socket(AF_PACKET, (int)e->type | SOCK_CLOEXEC, htons((uint16_t)e->protocol));
	if (sk < 0)
		ret = -errno;
	if (!ret) {
		what = "options";
		ret = rst_packet_pre_bind(sk, e);
	}
	if (!ret && e->rx_ring) {
		what = "PACKET_RX_RING";
		ret = rst_packet_ring(sk, PACKET_RX_RING, e->version, e->rx_ring);
	}
	if (!ret && e->tx_ring) {
		what = "PACKET_TX_RING";
		ret = rst_packet_ring(sk, PACKET_TX_RING, e->version, e->tx_ring);
	}
	if (!ret)
		ret = rst_packet_place(sk, e, &what);
	if (!ret && (lock & 1)) {
		what = "SO_SNDBUF";
		ret = set_int(sk, SOL_SOCKET, SO_SNDBUF, (int)(o->so_sndbuf / 2));
	}
	if (!ret && (lock & 2)) {
		what = "SO_RCVBUF";
		ret = set_int(sk, SOL_SOCKET, SO_RCVBUF, (int)(o->so_rcvbuf / 2));
	}
	if (!ret && (e->flags & O_NONBLOCK) && fcntl(sk, F_SETFL, O_NONBLOCK))
		ret = -errno;
	if (ret) {
		pr_err("packet socket %u (protocol %#x, interface %u): %s: %s", fe->id, e->protocol,
		       e->ifindex, what, strerror(-ret));
		if (sk >= 0)
			close(sk);
		return ret;
	}
	*fdp = sk;
	return 0;
}

RST_FD_FOWN(rst_packet_fown, psk)

const struct fd_rst_ops rst_fd_packet = {
	.name = "packet socket",
	.type = FD_TYPES__PACKETSK,
	.check = rst_packet_check,
	.open = rst_packet_open,
	.fown = rst_packet_fown,
};
