/*
 * A packet socket with a mapped receive ring (PACKET_RX_RING). criu-lite
 * refuses rings by name (MAY_REFUSE: the process must then run on
 * unharmed); a tool that restores them must give back the mapping and the
 * ring's settings: after restore the ring is still mapped, its first frame
 * header readable, and the socket still reports TPACKET_V2. With map=0 the
 * ring is set up but never mapped (then the socket itself is refused).
 */
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "zdtmtst.h"

int main(int argc, char **argv)
{
	struct tpacket_req req = {
		.tp_block_size = 4096, .tp_block_nr = 1, .tp_frame_size = 2048, .tp_frame_nr = 2};
	int sk, v = TPACKET_V2;
	socklen_t len = sizeof(v);
	volatile struct tpacket2_hdr *h = NULL;
	bool map;
	void *ring = NULL;

	test_init(argc, argv);
	map = test_arg_long("map", 1) != 0;
	/* Protocol 0: the socket receives nothing until bound to one, so the ring stays empty. */
	sk = socket(AF_PACKET, SOCK_RAW, 0);
	if (sk < 0 || setsockopt(sk, SOL_PACKET, PACKET_VERSION, &v, sizeof(v)) ||
	    setsockopt(sk, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)))
		test_skip("packet ring: %m");
	if (map) {
		ring = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, sk, 0);
		if (ring == MAP_FAILED)
			test_skip("mmap: %m");
		h = ring;
	}
	test_daemon();
	test_waitsig();

	v = 0;
	if (getsockopt(sk, SOL_PACKET, PACKET_VERSION, &v, &len) || v != TPACKET_V2)
		fail("PACKET_VERSION is %d, not TPACKET_V2", v);
	if (h && h->tp_status != TP_STATUS_KERNEL)
		fail("the first frame's status is %#x, not TP_STATUS_KERNEL", h->tp_status);
	/* A second ring cannot be set up while one exists. */
	if (!setsockopt(sk, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)))
		fail("the receive ring is gone after restore");
	if (ring)
		munmap(ring, 4096);
	close(sk);
	return test_done();
}
