/*
 * A packet socket with rings survives: a receive ring (PACKET_RX_RING) and,
 * with tx=1, a transmit ring (PACKET_TX_RING) of TPACKET_V<ver> (1, 2 or 3),
 * bound to lo with an ethertype of its own, mapped (map=1) at an address the
 * process keeps. After restore:
 *  - PACKET_VERSION and PACKET_HDRLEN read the same;
 *  - packet_diag reports the same geometry for both rings (block size and
 *    count, frame size and count, retire timeout, private area, features);
 *  - the mapping is where it was, as large as both rings, shared, and of
 *    this socket's inode (map=0: the ring can be mapped now);
 *  - a frame sent on lo (through the transmit ring when there is one) arrives
 *    in the receive ring: a frame (a block for V3) turns TP_STATUS_USER with
 *    the bytes sent.
 * held=1: one frame received before the dump is left TP_STATUS_USER, not
 * handed back; a restore cannot give it back (rings come back empty), so
 * the dump must refuse; the frame must then still be there, unchanged.
 * queued=1 (with tx=1): the transmit ring's first frame is queued
 * (TP_STATUS_SEND_REQUEST) but not sent; likewise refused; then it must
 * still be queued, and send(2) must deliver it.
 * partial=1: the rings' last page is unmapped; the kernel maps rings only
 * whole, so the dump must refuse; the rest must still be mapped.
 * fork=1: a child shares the socket and the mapping; after restore its
 * mapping is the socket's too, and shows the frame the parent received.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <linux/netlink.h>
#include <linux/packet_diag.h>
#include <linux/sock_diag.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "zdtmtst.h"

static int eth, lo, ver;
static size_t rx_len, tx_len, map_len;
static unsigned int tx_slot; /* the transmit ring's frame the kernel sends next */

struct rings {
	bool has_rx, has_tx;
	struct packet_diag_ring rx, tx;
};

/* The rings of socket @ino as packet_diag (PACKET_SHOW_RING_CFG) reports them. */
static int diag_rings(unsigned int ino, struct rings *out)
{
	struct {
		struct nlmsghdr h;
		struct packet_diag_req r;
	} req = {
		.h = {.nlmsg_len = sizeof(req),
		      .nlmsg_type = SOCK_DIAG_BY_FAMILY,
		      .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP},
		.r = {.sdiag_family = AF_PACKET, .pdiag_show = PACKET_SHOW_RING_CFG},
	};
	static char buf[32768];
	int nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	bool found = false, done = false;

	memset(out, 0, sizeof(*out));
	if (nl < 0 || send(nl, &req, sizeof(req), 0) != sizeof(req))
		return -errno;
	while (!done) {
		ssize_t n = recv(nl, buf, sizeof(buf), 0);
		struct nlmsghdr *h = (struct nlmsghdr *)buf;

		if (n <= 0)
			break;
		for (; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
			struct packet_diag_msg *m = NLMSG_DATA(h);
			struct nlattr *a = (struct nlattr *)((char *)m + NLMSG_ALIGN(sizeof(*m)));
			int left = (int)h->nlmsg_len - NLMSG_LENGTH(NLMSG_ALIGN(sizeof(*m)));

			if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR) {
				done = true;
				break;
			}
			if (m->pdiag_ino != ino)
				continue;
			found = true;
			for (; left >= (int)sizeof(*a) && a->nla_len >= sizeof(*a) &&
			       a->nla_len <= left;
			     left -= NLA_ALIGN(a->nla_len),
			     a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len))) {
				void *d = (char *)a + NLA_HDRLEN;

				if (a->nla_type == PACKET_DIAG_RX_RING) {
					out->has_rx = true;
					memcpy(&out->rx, d, sizeof(out->rx));
				} else if (a->nla_type == PACKET_DIAG_TX_RING) {
					out->has_tx = true;
					memcpy(&out->tx, d, sizeof(out->tx));
				}
			}
		}
	}
	close(nl);
	return found ? 0 : -ENOENT;
}

static void ring_cmp(const char *which, const struct packet_diag_ring *a,
		     const struct packet_diag_ring *b)
{
	if (memcmp(a, b, sizeof(*a)))
		fail("%s ring after restore: block %u x %u, frame %u x %u, retire %u ms, "
		     "priv %u, features %#x; before: %u x %u, %u x %u, %u ms, %u, %#x",
		     which, a->pdr_block_size, a->pdr_block_nr, a->pdr_frame_size, a->pdr_frame_nr,
		     a->pdr_retire_tmo, a->pdr_sizeof_priv, a->pdr_features, b->pdr_block_size,
		     b->pdr_block_nr, b->pdr_frame_size, b->pdr_frame_nr, b->pdr_retire_tmo,
		     b->pdr_sizeof_priv, b->pdr_features);
}

/* The ethernet frame carrying @text to our ethertype. */
static size_t frame_make(unsigned char *f, const char *text)
{
	memset(f, 0, 64);
	f[12] = (unsigned char)(eth >> 8);
	f[13] = (unsigned char)eth;
	memcpy(f + 14, text, strlen(text));
	return 64;
}

/* Sends @text through the transmit ring's frame @slot (then send(2) kicks it). */
static int send_tx_ring(unsigned char *ring, const char *text, unsigned int slot)
{
	unsigned char *f = ring + rx_len + (size_t)slot * 2048;
	size_t hdrlen = ver == TPACKET_V1   ? TPACKET_HDRLEN
			: ver == TPACKET_V2 ? TPACKET2_HDRLEN
					    : TPACKET3_HDRLEN;
	size_t len = frame_make(f + hdrlen - sizeof(struct sockaddr_ll), text);

	if (ver == TPACKET_V1) {
		((struct tpacket_hdr *)f)->tp_len = (unsigned int)len;
		__atomic_store_n(&((struct tpacket_hdr *)f)->tp_status, TP_STATUS_SEND_REQUEST,
				 __ATOMIC_RELEASE);
	} else if (ver == TPACKET_V2) {
		((struct tpacket2_hdr *)f)->tp_len = (unsigned int)len;
		__atomic_store_n(&((struct tpacket2_hdr *)f)->tp_status, TP_STATUS_SEND_REQUEST,
				 __ATOMIC_RELEASE);
	} else {
		((struct tpacket3_hdr *)f)->tp_next_offset = 0;
		((struct tpacket3_hdr *)f)->tp_len = (unsigned int)len;
		__atomic_store_n(&((struct tpacket3_hdr *)f)->tp_status, TP_STATUS_SEND_REQUEST,
				 __ATOMIC_RELEASE);
	}
	return 0;
}

static unsigned long tx_status(const unsigned char *f)
{
	if (ver == TPACKET_V1)
		return ((const struct tpacket_hdr *)f)->tp_status;
	if (ver == TPACKET_V2)
		return ((const struct tpacket2_hdr *)f)->tp_status;
	return ((const struct tpacket3_hdr *)f)->tp_status;
}

static int send_frame(int sk, unsigned char *ring, const char *text)
{
	struct sockaddr_ll to = {.sll_family = AF_PACKET, .sll_ifindex = lo, .sll_halen = 6};
	unsigned char f[64];
	int tx, ret = 0;

	if (tx_len) {
		send_tx_ring(ring, text, tx_slot++);
		return send(sk, NULL, 0, 0) < 0 ? -errno : 0;
	}
	tx = socket(AF_PACKET, SOCK_RAW, 0);
	if (tx < 0 || sendto(tx, f, frame_make(f, text), 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		ret = -errno;
	if (tx >= 0)
		close(tx);
	return ret;
}

/* The frame of the receive ring, handed to the process, that carries @text, or NULL. */
static const unsigned char *rx_find(unsigned char *ring, const struct packet_diag_ring *r,
				    const char *text)
{
	size_t tl = strlen(text);

	if (ver == TPACKET_V3) {
		for (unsigned int b = 0; b < r->pdr_block_nr; b++) {
			struct tpacket_block_desc *bd =
				(void *)(ring + (size_t)b * r->pdr_block_size);
			unsigned char *p = (unsigned char *)bd + bd->hdr.bh1.offset_to_first_pkt;

			if (!(__atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE) &
			      TP_STATUS_USER))
				continue;
			for (unsigned int i = 0; i < bd->hdr.bh1.num_pkts; i++) {
				struct tpacket3_hdr *h = (void *)p;

				if (h->tp_snaplen >= 14 + tl &&
				    !memcmp(p + h->tp_mac + 14, text, tl))
					return (unsigned char *)bd;
				p += h->tp_next_offset;
			}
		}
		return NULL;
	}
	for (unsigned int i = 0; i < r->pdr_frame_nr; i++) {
		unsigned int fpb = r->pdr_block_size / r->pdr_frame_size;
		unsigned char *f = ring + (size_t)(i / fpb) * r->pdr_block_size +
				   (size_t)(i % fpb) * r->pdr_frame_size;
		unsigned long st;
		unsigned int mac, snap;

		if (ver == TPACKET_V1) {
			struct tpacket_hdr *h = (void *)f;

			st = __atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE);
			mac = h->tp_mac, snap = h->tp_snaplen;
		} else {
			struct tpacket2_hdr *h = (void *)f;

			st = __atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE);
			mac = h->tp_mac, snap = h->tp_snaplen;
		}
		if ((st & TP_STATUS_USER) && snap >= 14 + tl && !memcmp(f + mac + 14, text, tl))
			return f;
	}
	return NULL;
}

/* Waits up to 5 s (a V3 block is handed over by its retire timer). */
static const unsigned char *rx_wait(int sk, unsigned char *ring, const struct packet_diag_ring *r,
				    const char *text)
{
	for (int i = 0; i < 500; i++) {
		struct pollfd p = {.fd = sk, .events = POLLIN};
		const unsigned char *f = rx_find(ring, r, text);

		if (f)
			return f;
		poll(&p, 1, 10);
	}
	return NULL;
}

/* The mapping at @addr in /proc/self/maps: its length, perms and path. */
static size_t maps_at(void *addr, char *perms, char *path, size_t plen)
{
	FILE *m = fopen("/proc/self/maps", "r");
	char line[512];
	size_t len = 0;

	while (m && fgets(line, sizeof(line), m)) {
		unsigned long s, e;
		int n = 0;

		if (sscanf(line, "%lx-%lx %4s %*s %*s %*s %n", &s, &e, perms, &n) < 3 ||
		    s != (unsigned long)addr)
			continue;
		snprintf(path, plen, "%s", line + n);
		path[strcspn(path, "\n")] = 0;
		len = e - s;
		break;
	}
	if (m)
		fclose(m);
	return len;
}

static void check_map(int sk, void *ring)
{
	char perms[8] = "", path[256] = "", want[64];
	size_t len = maps_at(ring, perms, path, sizeof(path));
	struct stat st;

	fstat(sk, &st);
	snprintf(want, sizeof(want), "socket:[%lu]", (unsigned long)st.st_ino);
	if (len != map_len || strcmp(perms, "rw-s") || strcmp(path, want))
		fail("the ring's mapping at %p is %zu bytes %s '%s' after restore, not "
		     "%zu bytes rw-s '%s'",
		     ring, len, perms, path, map_len, want);
}

static void setup_rings(int sk, size_t pg, bool tx)
{
	struct tpacket_req3 rx = {
		.tp_block_size = (unsigned int)pg * 2, .tp_block_nr = 2, .tp_frame_size = 2048};
	struct tpacket_req3 t = {
		.tp_block_size = (unsigned int)pg, .tp_block_nr = 2, .tp_frame_size = 2048};
	socklen_t len = ver == TPACKET_V3 ? sizeof(rx) : sizeof(struct tpacket_req);

	if (ver == TPACKET_V3) {
		rx.tp_block_nr = 4;
		rx.tp_retire_blk_tov = 20;
		rx.tp_sizeof_priv = 16;
		rx.tp_feature_req_word = TP_FT_REQ_FILL_RXHASH;
	}
	rx.tp_frame_nr = rx.tp_block_nr * (rx.tp_block_size / 2048);
	t.tp_frame_nr = t.tp_block_nr * (t.tp_block_size / 2048);
	if (setsockopt(sk, SOL_PACKET, PACKET_RX_RING, &rx, len))
		test_skip("PACKET_RX_RING (TPACKET_V%d): %m", ver + 1);
	rx_len = (size_t)rx.tp_block_size * rx.tp_block_nr;
	if (tx && setsockopt(sk, SOL_PACKET, PACKET_TX_RING, &t, len))
		test_skip("PACKET_TX_RING (TPACKET_V%d): %m", ver + 1);
	tx_len = tx ? (size_t)t.tp_block_size * t.tp_block_nr : 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_ll a = {.sll_family = AF_PACKET};
	int sk, v, hdrlen[2] = {0, 0};
	socklen_t len = sizeof(int);
	struct rings before, after;
	unsigned char *ring = NULL;
	const unsigned char *held_frame = NULL;
	bool map, held, queued;
	pid_t child = 0;
	struct stat st;

	test_init(argc, argv);
	ver = (int)test_arg_long("ver", 2) - 1; /* TPACKET_V1 is 0 */
	map = test_arg_long("map", 1) != 0;
	held = test_arg_long("held", 0) != 0;
	queued = test_arg_long("queued", 0) != 0;
	/* 0xc000-0xcfff: no protocol of the host's, nor packet_sk's (0xb...) */
	eth = 0xc000 | (getpid() & 0xfff);
	lo = (int)if_nametoindex("lo");
	sk = socket(AF_PACKET, SOCK_RAW, 0);
	v = ver;
	if (!lo || sk < 0 || setsockopt(sk, SOL_PACKET, PACKET_VERSION, &v, sizeof(v)))
		test_skip("packet socket of TPACKET_V%d: %m", ver + 1);
	setup_rings(sk, page_size(), test_arg_long("tx", 0) != 0);
	a.sll_protocol = htons((uint16_t)eth);
	a.sll_ifindex = lo;
	if (bind(sk, (struct sockaddr *)&a, sizeof(a)))
		test_skip("bind to lo: %m");
	map_len = rx_len + tx_len;
	if (map || held || queued) {
		ring = mmap(NULL, map_len, PROT_READ | PROT_WRITE, MAP_SHARED, sk, 0);
		if (ring == MAP_FAILED)
			test_skip("mmap of the rings: %m");
	}
	if (ring && test_arg_long("partial", 0)) {
		map_len -= page_size();
		munmap(ring + map_len, page_size());
	}
	if (queued && !tx_len)
		test_skip("queued=1 needs tx=1");
	if (queued)
		send_tx_ring(ring, "queued-before-dump", tx_slot);
	hdrlen[0] = ver;
	getsockopt(sk, SOL_PACKET, PACKET_HDRLEN, &hdrlen[0], &len);
	fstat(sk, &st);
	if (diag_rings((unsigned int)st.st_ino, &before) || !before.has_rx)
		test_skip("packet_diag shows no ring: %m");
	if (ring && test_arg_long("fork", 0)) {
		child = fork();
		if (child < 0)
			test_skip("fork: %m");
		if (child == 0) {
			test_waitsig();
			check_map(sk, ring);
			if (!rx_find(ring, &before.rx, "ring-after-restore"))
				fail("child: the parent's frame is not in the child's mapping");
			exit(test_failures() ? 1 : 0);
		}
	}
	if (held) {
		if (send_frame(sk, ring, "held-before-dump") ||
		    !(held_frame = rx_wait(sk, ring, &before.rx, "held-before-dump")))
			test_skip("no frame received before the dump: %m");
	}
	test_daemon();
	test_waitsig();

	v = -1;
	len = sizeof(v);
	if (getsockopt(sk, SOL_PACKET, PACKET_VERSION, &v, &len) || v != ver)
		fail("PACKET_VERSION is %d after restore, not TPACKET_V%d (%d)", v, ver + 1, ver);
	hdrlen[1] = ver;
	len = sizeof(int);
	if (getsockopt(sk, SOL_PACKET, PACKET_HDRLEN, &hdrlen[1], &len) || hdrlen[1] != hdrlen[0])
		fail("PACKET_HDRLEN is %d after restore, was %d", hdrlen[1], hdrlen[0]);
	fstat(sk, &st);
	if (diag_rings((unsigned int)st.st_ino, &after)) {
		fail("packet_diag does not find the socket after restore");
	} else {
		if (!after.has_rx || after.has_tx != before.has_tx)
			fail("after restore: receive ring %s, transmit ring %s (before: yes, %s)",
			     after.has_rx ? "yes" : "no", after.has_tx ? "yes" : "no",
			     before.has_tx ? "yes" : "no");
		ring_cmp("receive", &after.rx, &before.rx);
		if (before.has_tx)
			ring_cmp("transmit", &after.tx, &before.tx);
	}
	if (ring) {
		check_map(sk, ring);
	} else {
		ring = mmap(NULL, map_len, PROT_READ | PROT_WRITE, MAP_SHARED, sk, 0);
		if (ring == MAP_FAILED) {
			fail("mapping the rings after restore: %m");
			return test_done();
		}
	}
	if (held_frame && rx_find(ring, &before.rx, "held-before-dump") != held_frame)
		fail("the frame held before the dump is gone or moved");
	if (queued && tx_status(ring + rx_len) != TP_STATUS_SEND_REQUEST)
		fail("the transmit frame queued before the dump has status %#lx, not "
		     "TP_STATUS_SEND_REQUEST",
		     tx_status(ring + rx_len));
	if (test_failures())
		return test_done();
	if (queued &&
	    (send(sk, NULL, 0, 0) < 0 || !rx_wait(sk, ring, &before.rx, "queued-before-dump")))
		fail("the transmit frame queued before the dump was not delivered: %m");
	tx_slot += queued;
	if (send_frame(sk, ring, "ring-after-restore"))
		fail("sending a frame on lo after restore: %m");
	else if (!rx_wait(sk, ring, &before.rx, "ring-after-restore"))
		fail("the frame sent after restore did not arrive in the receive ring");
	if (child > 0) {
		int w;

		kill(child, SIGTERM);
		w = wait_child(child, 10000);
		if (w != 0)
			fail("the child sharing the ring failed its checks (wait status %#x)", w);
	}
	munmap(ring, map_len);
	close(sk);
	return test_done();
}
