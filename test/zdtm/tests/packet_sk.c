/*
 * Packet sockets survive with their settings:
 *  - a SOCK_RAW socket of an ethertype of its own bound to lo, with
 *    TPACKET_V2, PACKET_RESERVE, PACKET_AUXDATA, PACKET_ORIGDEV, PACKET_LOSS,
 *    PACKET_TIMESTAMP, an all-multicast membership on lo and a fanout group
 *    of its own;
 *  - an unbound SOCK_DGRAM socket of another ethertype.
 * Nothing else on the host sends those ethertypes (derived from the pid, so
 * that parallel runs in other modes do not see each other's frames), so
 * nothing is queued while the test waits. After restore the settings read the same, and a frame
 * sent on lo reaches the bound socket with its auxiliary data.
 */
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "zdtmtst.h"

static int eth_test, eth_test2; /* 0xb000-0xbfff: no protocol of the host's */

static const struct {
	const char *name;
	int opt, val;
} opts[] = {
	{"PACKET_VERSION", PACKET_VERSION, TPACKET_V2},
	{"PACKET_RESERVE", PACKET_RESERVE, 64},
	{"PACKET_AUXDATA", PACKET_AUXDATA, 1},
	{"PACKET_ORIGDEV", PACKET_ORIGDEV, 1},
	{"PACKET_LOSS", PACKET_LOSS, 1},
	{"PACKET_TIMESTAMP", PACKET_TIMESTAMP, 1},
};
#define NR_OPTS (sizeof(opts) / sizeof(opts[0]))

struct view {
	int type, v[NR_OPTS], fanout;
	struct sockaddr_ll self;
};

static void view(int sk, struct view *w)
{
	socklen_t len = sizeof(int);

	memset(w, 0, sizeof(*w));
	getsockopt(sk, SOL_SOCKET, SO_TYPE, &w->type, &len);
	for (size_t i = 0; i < NR_OPTS; i++) {
		len = sizeof(int);
		getsockopt(sk, SOL_PACKET, opts[i].opt, &w->v[i], &len);
	}
	len = sizeof(int);
	getsockopt(sk, SOL_PACKET, PACKET_FANOUT, &w->fanout, &len);
	len = sizeof(w->self);
	getsockname(sk, (struct sockaddr *)&w->self, &len);
}

static void check_frame(int sk, int lo)
{
	struct sockaddr_ll to = {.sll_family = AF_PACKET, .sll_ifindex = lo, .sll_halen = 6};
	unsigned char frame[64] = {0}, buf[128], cbuf[256];
	struct iovec iov = {buf, sizeof(buf)};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = cbuf,
			    .msg_controllen = sizeof(cbuf)};
	struct pollfd p = {.fd = sk, .events = POLLIN};
	struct cmsghdr *cm;
	bool aux = false;
	int tx = socket(AF_PACKET, SOCK_RAW, 0);

	frame[12] = (unsigned char)(eth_test >> 8);
	frame[13] = (unsigned char)eth_test;
	memcpy(frame + 14, "packet-ping", 11);
	if (tx < 0 || sendto(tx, frame, sizeof(frame), 0, (struct sockaddr *)&to, sizeof(to)) < 0) {
		fail("sending a frame on lo: %m");
		return;
	}
	close(tx);
	if (poll(&p, 1, 5000) != 1 || recvmsg(sk, &mh, 0) < 25 ||
	    memcmp(buf + 14, "packet-ping", 11)) {
		fail("the bound packet socket did not get the frame: %m");
		return;
	}
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
		aux |= cm->cmsg_level == SOL_PACKET && cm->cmsg_type == PACKET_AUXDATA;
	if (!aux)
		fail("the frame came without PACKET_AUXDATA");
}

int main(int argc, char **argv)
{
	struct sockaddr_ll a = {.sll_family = AF_PACKET};
	struct packet_mreq mr = {.mr_type = PACKET_MR_ALLMULTI};
	struct view before[2], after;
	int sk[2], lo, fanout;

	test_init(argc, argv);
	lo = (int)if_nametoindex("lo");
	eth_test = 0xb000 | ((getpid() & 0x7ff) << 1);
	eth_test2 = eth_test | 1;
	a.sll_protocol = htons((uint16_t)eth_test);
	sk[0] = socket(AF_PACKET, SOCK_RAW, htons((uint16_t)eth_test));
	sk[1] = socket(AF_PACKET, SOCK_DGRAM, htons((uint16_t)eth_test2));
	if (!lo || sk[0] < 0 || sk[1] < 0)
		test_skip("packet sockets: %m");
	for (size_t i = 0; i < NR_OPTS; i++)
		if (setsockopt(sk[0], SOL_PACKET, opts[i].opt, &opts[i].val, sizeof(int)))
			test_skip("%s: %m", opts[i].name);
	a.sll_ifindex = lo;
	mr.mr_ifindex = lo;
	fanout = (getpid() & 0xffff) | PACKET_FANOUT_HASH << 16;
	if (bind(sk[0], (struct sockaddr *)&a, sizeof(a)) ||
	    setsockopt(sk[0], SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)) ||
	    setsockopt(sk[0], SOL_PACKET, PACKET_FANOUT, &fanout, sizeof(fanout)))
		test_skip("bind/membership/fanout: %m");
	view(sk[0], &before[0]);
	view(sk[1], &before[1]);
	test_daemon();
	test_waitsig();

	for (int i = 0; i < 2; i++) {
		view(sk[i], &after);
		for (size_t k = 0; k < NR_OPTS; k++)
			if (after.v[k] != before[i].v[k])
				fail("socket %d: %s is %d after restore, was %d", i, opts[k].name,
				     after.v[k], before[i].v[k]);
		if (after.type != before[i].type || after.fanout != before[i].fanout ||
		    after.self.sll_ifindex != before[i].self.sll_ifindex ||
		    after.self.sll_protocol != before[i].self.sll_protocol)
			fail("socket %d: type %d fanout %#x interface %d protocol %#x after "
			     "restore, "
			     "was %d %#x %d %#x",
			     i, after.type, after.fanout, after.self.sll_ifindex,
			     ntohs(after.self.sll_protocol), before[i].type, before[i].fanout,
			     before[i].self.sll_ifindex, ntohs(before[i].self.sll_protocol));
	}
	check_frame(sk[0], lo);
	close(sk[0]);
	close(sk[1]);
	return test_done();
}
