/*
 * UDP sockets survive: a bound one, one bound and connected to it, an
 * unbound one; datagrams flow between them after restore with the same
 * addresses, and the connected one still filters its peer.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "zdtmtst.h"

static int udp_bound(struct sockaddr_in *a)
{
	socklen_t len = sizeof(*a);
	int sk = socket(AF_INET, SOCK_DGRAM, 0);

	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (sk < 0 || bind(sk, (struct sockaddr *)a, sizeof(*a)) ||
	    getsockname(sk, (struct sockaddr *)a, &len))
		return -1;
	return sk;
}

static void same_name(const char *what, int sk, const struct sockaddr_in *a, bool peer)
{
	struct sockaddr_in now;
	socklen_t len = sizeof(now);
	int r = peer ? getpeername(sk, (struct sockaddr *)&now, &len)
		     : getsockname(sk, (struct sockaddr *)&now, &len);

	if (r || now.sin_port != a->sin_port || now.sin_addr.s_addr != a->sin_addr.s_addr)
		fail("%s: %s is now %s:%u, was port %u", what, peer ? "peer" : "address",
		     inet_ntoa(now.sin_addr), ntohs(now.sin_port), ntohs(a->sin_port));
}

int main(int argc, char **argv)
{
	struct sockaddr_in aa, ab, from;
	socklen_t fl = sizeof(from);
	char buf[16];
	int a, b, c, bc = 1;

	test_init(argc, argv);
	a = udp_bound(&aa);
	b = udp_bound(&ab);
	c = socket(AF_INET, SOCK_DGRAM, 0);
	if (a < 0 || b < 0 || c < 0 || connect(b, (struct sockaddr *)&aa, sizeof(aa)) ||
	    setsockopt(a, SOL_SOCKET, SO_BROADCAST, &bc, sizeof(bc)))
		test_skip("udp sockets: %m");
	test_daemon();
	test_waitsig();

	same_name("bound socket", a, &aa, false);
	same_name("connected socket", b, &ab, false);
	same_name("connected socket", b, &aa, true);
	if (send(b, "to-a", 4, 0) != 4)
		fail("send on the connected socket: %m");
	memset(buf, 0, sizeof(buf));
	if (recvfrom(a, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from, &fl) != 4 ||
	    strcmp(buf, "to-a") || from.sin_port != ab.sin_port)
		fail("the bound socket got '%s' from port %u: %m", buf, ntohs(from.sin_port));
	if (sendto(a, "to-b", 4, 0, (struct sockaddr *)&ab, sizeof(ab)) != 4)
		fail("sendto the connected socket: %m");
	memset(buf, 0, sizeof(buf));
	if (recv(b, buf, sizeof(buf), MSG_DONTWAIT) != 4 || strcmp(buf, "to-b"))
		fail("the connected socket got '%s': %m", buf);
	/* c is not b's peer: the kernel drops what it sends to b. */
	if (sendto(c, "stray", 5, 0, (struct sockaddr *)&ab, sizeof(ab)) != 5)
		fail("sendto from the unbound socket: %m");
	if (recv(b, buf, sizeof(buf), MSG_DONTWAIT) >= 0)
		fail("the connected socket accepted a datagram from another port");
	if (sendto(c, "from-c", 6, 0, (struct sockaddr *)&aa, sizeof(aa)) != 6 ||
	    recv(a, buf, sizeof(buf), MSG_DONTWAIT) != 6)
		fail("unbound socket to the bound one: %m");
	bc = 0;
	fl = sizeof(bc);
	if (getsockopt(a, SOL_SOCKET, SO_BROADCAST, &bc, &fl) || !bc)
		fail("SO_BROADCAST lost");
	return test_done();
}
