/*
 * Netlink sockets survive with their port ids, groups and peers:
 *  - a NETLINK_ROUTE socket bound to a port id the kernel picked and joined
 *    to a group above 32 (RTNLGRP_STATS, quiet without hardware offload);
 *  - an unbound NETLINK_GENERIC socket;
 *  - two NETLINK_USERSOCK sockets bound to port ids of their own, the
 *    second also to group 3 and (NETLINK_ADD_MEMBERSHIP) to group 20, the
 *    first connected to the second. USERSOCK groups carry only what user
 *    space sends: nothing arrives while the test waits (and the test sends
 *    none, which would reach its parallel runs in other modes).
 * After restore each has the same protocol, port id, group membership and
 * peer; the route socket still gets an answer from the kernel (RTM_GETLINK),
 * and the connected USERSOCK socket's message reaches its peer.
 */
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "zdtmtst.h"

enum { ROUTE, GENERIC, U1, U2, NR };
static const char *const names[NR] = {"route", "generic", "usersock 1", "usersock 2"};

struct view {
	int proto;
	struct sockaddr_nl self, peer;
	uint32_t groups[4];
};

static void view(int sk, struct view *v)
{
	socklen_t len = sizeof(int);

	memset(v, 0, sizeof(*v));
	getsockopt(sk, SOL_SOCKET, SO_PROTOCOL, &v->proto, &len);
	len = sizeof(v->self);
	getsockname(sk, (struct sockaddr *)&v->self, &len);
	len = sizeof(v->peer);
	getpeername(sk, (struct sockaddr *)&v->peer, &len);
	len = sizeof(v->groups);
	getsockopt(sk, SOL_NETLINK, NETLINK_LIST_MEMBERSHIPS, v->groups, &len);
}

static int recv_wait(int sk, void *buf, size_t len)
{
	struct pollfd p = {.fd = sk, .events = POLLIN};

	if (poll(&p, 1, 5000) != 1)
		return -1;
	return (int)recv(sk, buf, len, 0);
}

static void check_route(int sk)
{
	struct {
		struct nlmsghdr h;
		struct ifinfomsg i;
	} req = {{sizeof(req), RTM_GETLINK, NLM_F_REQUEST, 77, 0}, {.ifi_index = 1}};
	char buf[8192];
	struct nlmsghdr *h = (struct nlmsghdr *)buf;

	if (send(sk, &req, sizeof(req), 0) != sizeof(req)) {
		fail("route socket: send: %m");
		return;
	}
	/* Multicast notifications may come first: look for our answer. */
	for (int i = 0; i < 16; i++) {
		if (recv_wait(sk, buf, sizeof(buf)) < (int)sizeof(*h)) {
			fail("route socket: no answer: %m");
			return;
		}
		if (h->nlmsg_seq == 77) {
			if (h->nlmsg_type != RTM_NEWLINK)
				fail("route socket: answer of type %d", h->nlmsg_type);
			return;
		}
	}
	fail("route socket: no answer among 16 messages");
}

int main(int argc, char **argv)
{
	struct sockaddr_nl a = {.nl_family = AF_NETLINK};
	static const int protos[NR] = {NETLINK_ROUTE, NETLINK_GENERIC, NETLINK_USERSOCK,
				       NETLINK_USERSOCK};
	struct view before[NR], after;
	int sk[NR], grp = 20, stats = RTNLGRP_STATS;
	char buf[64];

	test_init(argc, argv);
	for (int i = 0; i < NR; i++) {
		sk[i] = socket(AF_NETLINK, SOCK_RAW, protos[i]);
		if (sk[i] < 0)
			test_skip("%s socket: %m", names[i]);
	}
	if (bind(sk[ROUTE], (struct sockaddr *)&a, sizeof(a)) ||
	    setsockopt(sk[ROUTE], SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &stats, sizeof(stats)))
		test_skip("route socket: %m");
	a.nl_pid = 0x50000000u | (uint32_t)getpid();
	if (bind(sk[U1], (struct sockaddr *)&a, sizeof(a)))
		test_skip("usersock bind: %m");
	a.nl_pid = 0x40000000u | (uint32_t)getpid();
	a.nl_groups = 1u << 2;
	if (bind(sk[U2], (struct sockaddr *)&a, sizeof(a)) ||
	    setsockopt(sk[U2], SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &grp, sizeof(grp)))
		test_skip("usersock: %m");
	a.nl_groups = 0;
	if (connect(sk[U1], (struct sockaddr *)&a, sizeof(a)))
		test_skip("usersock connect: %m");
	for (int i = 0; i < NR; i++)
		view(sk[i], &before[i]);
	test_daemon();
	test_waitsig();

	for (int i = 0; i < NR; i++) {
		view(sk[i], &after);
		if (memcmp(&after, &before[i], sizeof(after)))
			fail("%s: protocol %d port id %u groups %#x/%#x peer %u after restore, "
			     "was %d %u %#x/%#x %u",
			     names[i], after.proto, after.self.nl_pid, after.groups[0],
			     after.groups[1], after.peer.nl_pid, before[i].proto,
			     before[i].self.nl_pid, before[i].groups[0], before[i].groups[1],
			     before[i].peer.nl_pid);
	}
	check_route(sk[ROUTE]);
	if (send(sk[U1], "nl-ping", 7, 0) != 7 || recv_wait(sk[U2], buf, sizeof(buf)) != 7 ||
	    memcmp(buf, "nl-ping", 7))
		fail("the usersock message did not arrive: %m");
	for (int i = 0; i < NR; i++)
		close(sk[i]);
	return test_done();
}
