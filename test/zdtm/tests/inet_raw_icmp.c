/*
 * Datagram-like inet sockets other than UDP survive, bound and connected,
 * with their own options:
 *  - a raw ICMP socket connected to an address of its own in 127/8 (so
 *    that parallel runs do not see each other's pings) with an ICMP type
 *    filter that lets only echo replies through;
 *  - a raw socket of protocol 253 (experimental) connected to 127.0.0.1
 *    with IP_HDRINCL and IP_NODEFRAG;
 *  - an ICMP "ping" socket (SOCK_DGRAM, IPPROTO_ICMP) bound to 127.0.0.1
 *    and an ident the kernel picks (the test lets group 0 create them
 *    through ping_group_range if the system does not);
 *  - two connected UDP-lite sockets.
 * After restore each has its type, protocol, addresses and options, a ping
 * through the ping socket is answered (and seen by the raw ICMP socket),
 * and the UDP-lite pair carries a datagram.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "zdtmtst.h"

#ifndef ICMP_FILTER
#define ICMP_FILTER 1
#endif

enum { RICMP, RRAW, PING, UL1, UL2, NR };
static const char *const names[NR] = {"raw ICMP", "raw 253", "ping", "UDP-lite 1", "UDP-lite 2"};

struct view {
	int type, proto, hdrincl, nodefrag;
	uint32_t filter;
	struct sockaddr_in self, peer;
};

static void view(int sk, struct view *v)
{
	socklen_t len = sizeof(int);

	memset(v, 0, sizeof(*v));
	getsockopt(sk, SOL_SOCKET, SO_TYPE, &v->type, &len);
	len = sizeof(int);
	getsockopt(sk, SOL_SOCKET, SO_PROTOCOL, &v->proto, &len);
	len = sizeof(int);
	getsockopt(sk, IPPROTO_IP, IP_HDRINCL, &v->hdrincl, &len);
	len = sizeof(int);
	getsockopt(sk, IPPROTO_IP, IP_NODEFRAG, &v->nodefrag, &len);
	len = sizeof(v->filter);
	getsockopt(sk, SOL_RAW, ICMP_FILTER, &v->filter, &len);
	len = sizeof(v->self);
	getsockname(sk, (struct sockaddr *)&v->self, &len);
	len = sizeof(v->peer);
	getpeername(sk, (struct sockaddr *)&v->peer, &len);
}

static int ping_socket(void)
{
	int sk = socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP);
	FILE *f;

	if (sk >= 0 || errno != EACCES)
		return sk;
	f = fopen("/proc/sys/net/ipv4/ping_group_range", "w");
	if (!f)
		return -1;
	fprintf(f, "0 0\n");
	fclose(f);
	test_msg("ping sockets enabled for group 0 (net.ipv4.ping_group_range)\n");
	return socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP);
}

static int recv_wait(int sk, void *buf, size_t len)
{
	struct pollfd p = {.fd = sk, .events = POLLIN};

	if (poll(&p, 1, 5000) != 1)
		return -1;
	return (int)recv(sk, buf, len, 0);
}

static void check_ping(int ping, int ricmp, const struct sockaddr_in *to)
{
	struct icmphdr req = {.type = ICMP_ECHO}, rep;
	char buf[128];
	int n;

	req.un.echo.sequence = htons(7);
	if (sendto(ping, &req, sizeof(req), 0, (const struct sockaddr *)to, sizeof(*to)) < 0) {
		fail("ping: sendto: %m");
		return;
	}
	if (recv_wait(ping, &rep, sizeof(rep)) < (int)sizeof(rep) || rep.type != ICMP_ECHOREPLY ||
	    ntohs(rep.un.echo.sequence) != 7)
		fail("ping: no echo reply: %m");
	/* The raw socket sees the reply (IP header first), nothing else: its filter. */
	n = recv_wait(ricmp, buf, sizeof(buf));
	if (n < 28 || buf[20] != ICMP_ECHOREPLY)
		fail("raw ICMP socket: no echo reply seen (%d bytes, type %d)", n, buf[20]);
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = {.sin_family = AF_INET}, b, own = {.sin_family = AF_INET};
	uint32_t filter = ~(1u << ICMP_ECHOREPLY);
	struct view before[NR], after;
	int sk[NR], one = 1;
	socklen_t len = sizeof(b);
	char buf[8] = "";

	test_init(argc, argv);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	own.sin_addr.s_addr = htonl(0x7f2a0000 | ((uint32_t)getpid() & 0xffff) | 1);
	sk[RICMP] = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	sk[RRAW] = socket(AF_INET, SOCK_RAW, 253);
	sk[PING] = ping_socket();
	sk[UL1] = socket(AF_INET, SOCK_DGRAM, IPPROTO_UDPLITE);
	sk[UL2] = socket(AF_INET, SOCK_DGRAM, IPPROTO_UDPLITE);
	for (int i = 0; i < NR; i++)
		if (sk[i] < 0)
			test_skip("%s socket: %m", names[i]);
	if (connect(sk[RICMP], (struct sockaddr *)&own, sizeof(own)) ||
	    setsockopt(sk[RICMP], SOL_RAW, ICMP_FILTER, &filter, sizeof(filter)) ||
	    setsockopt(sk[RRAW], IPPROTO_IP, IP_HDRINCL, &one, sizeof(one)) ||
	    setsockopt(sk[RRAW], IPPROTO_IP, IP_NODEFRAG, &one, sizeof(one)) ||
	    connect(sk[RRAW], (struct sockaddr *)&a, sizeof(a)))
		test_skip("raw sockets: %m");
	if (bind(sk[PING], (struct sockaddr *)&a, sizeof(a)))
		test_skip("ping bind: %m");
	if (bind(sk[UL1], (struct sockaddr *)&a, sizeof(a)) ||
	    bind(sk[UL2], (struct sockaddr *)&a, sizeof(a)) ||
	    getsockname(sk[UL2], (struct sockaddr *)&b, &len) ||
	    connect(sk[UL1], (struct sockaddr *)&b, sizeof(b)))
		test_skip("udplite: %m");
	for (int i = 0; i < NR; i++)
		view(sk[i], &before[i]);
	test_daemon();
	test_waitsig();

	for (int i = 0; i < NR; i++) {
		view(sk[i], &after);
		if (memcmp(&after, &before[i], sizeof(after)))
			fail("%s: type %d proto %d hdrincl %d nodefrag %d filter %#x port %u/%u "
			     "after restore, was %d %d %d %d %#x %u/%u",
			     names[i], after.type, after.proto, after.hdrincl, after.nodefrag,
			     after.filter, ntohs(after.self.sin_port), ntohs(after.peer.sin_port),
			     before[i].type, before[i].proto, before[i].hdrincl, before[i].nodefrag,
			     before[i].filter, ntohs(before[i].self.sin_port),
			     ntohs(before[i].peer.sin_port));
	}
	check_ping(sk[PING], sk[RICMP], &own);
	if (send(sk[UL1], "lite", 4, 0) != 4 || recv_wait(sk[UL2], buf, sizeof(buf)) != 4 ||
	    memcmp(buf, "lite", 4))
		fail("the UDP-lite pair carries no datagram: %m");
	for (int i = 0; i < NR; i++)
		close(sk[i]);
	return test_done();
}
