/*
 * TCP listeners (IPv4 and IPv6, SO_REUSEADDR, a backlog) and an unbound TCP
 * socket survive: same ports and options, and each listener accepts a
 * connection made after restore and carries data both ways.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "zdtmtst.h"

static int listener(int fam, struct sockaddr_storage *ss, socklen_t *len)
{
	int one = 1, sk = socket(fam, SOCK_STREAM, 0);

	memset(ss, 0, sizeof(*ss));
	if (fam == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		a->sin_family = AF_INET;
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		*len = sizeof(*a);
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		a->sin6_family = AF_INET6;
		a->sin6_addr = in6addr_loopback;
		*len = sizeof(*a);
	}
	if (sk < 0 || setsockopt(sk, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(sk, (struct sockaddr *)ss, *len) || listen(sk, 7) ||
	    getsockname(sk, (struct sockaddr *)ss, len))
		return -1;
	return sk;
}

/* Connects to @ss, accepts, sends a word each way. */
static void check_accepts(const char *what, int lsk, int csk, const struct sockaddr_storage *ss,
			  socklen_t len)
{
	char buf[8] = "";
	int ask;

	if (csk < 0 || connect(csk, (const struct sockaddr *)ss, len)) {
		fail("%s: connect: %m", what);
		return;
	}
	ask = accept(lsk, NULL, NULL);
	if (ask < 0) {
		fail("%s: accept: %m", what);
		close(csk);
		return;
	}
	if (write(csk, "ping", 4) != 4 || read(ask, buf, 4) != 4 || memcmp(buf, "ping", 4))
		fail("%s: client to server: %m", what);
	if (write(ask, "pong", 4) != 4 || read(csk, buf, 4) != 4 || memcmp(buf, "pong", 4))
		fail("%s: server to client: %m", what);
	close(csk); /* the client closes first: TIME_WAIT stays on its port */
	close(ask);
}

static void check_listener(const char *what, int sk, const struct sockaddr_storage *ss,
			   socklen_t len)
{
	struct sockaddr_storage now;
	socklen_t nl = sizeof(now);
	int v = 0;
	socklen_t vl = sizeof(v);

	if (getsockname(sk, (struct sockaddr *)&now, &nl) || nl != len || memcmp(&now, ss, len))
		fail("%s: bound to another address or port", what);
	if (getsockopt(sk, SOL_SOCKET, SO_ACCEPTCONN, &v, &vl) || !v)
		fail("%s: not listening", what);
	if (getsockopt(sk, SOL_SOCKET, SO_REUSEADDR, &v, &vl) || !v)
		fail("%s: SO_REUSEADDR lost", what);
	check_accepts(what, sk, socket(ss->ss_family, SOCK_STREAM, 0), ss, len);
}

int main(int argc, char **argv)
{
	struct sockaddr_storage a4, a6, un;
	socklen_t l4, l6, ul = sizeof(un);
	int s4, s6, unb, ka = 1, kidle = 77, v = 0;
	socklen_t vl = sizeof(v);

	test_init(argc, argv);
	s4 = listener(AF_INET, &a4, &l4);
	if (s4 < 0)
		test_skip("IPv4 listener: %m");
	s6 = listener(AF_INET6, &a6, &l6);
	if (s6 < 0)
		test_skip("IPv6 listener: %m");
	unb = socket(AF_INET, SOCK_STREAM, 0);
	if (unb < 0 || setsockopt(unb, SOL_SOCKET, SO_KEEPALIVE, &ka, sizeof(ka)) ||
	    setsockopt(unb, IPPROTO_TCP, TCP_KEEPIDLE, &kidle, sizeof(kidle)))
		fail("unbound socket: %m");
	test_daemon();
	test_waitsig();

	check_listener("IPv4 listener", s4, &a4, l4);
	check_listener("IPv6 listener", s6, &a6, l6);
	if (getsockname(unb, (struct sockaddr *)&un, &ul) ||
	    ((struct sockaddr_in *)&un)->sin_port != 0)
		fail("the unbound socket got bound");
	if (getsockopt(unb, SOL_SOCKET, SO_KEEPALIVE, &v, &vl) || !v)
		fail("the unbound socket lost SO_KEEPALIVE");
	if (getsockopt(unb, IPPROTO_TCP, TCP_KEEPIDLE, &v, &vl) || v != kidle)
		fail("the unbound socket's TCP_KEEPIDLE is %d, expected %d", v, kidle);
	check_accepts("unbound socket to the IPv4 listener", s4, unb, &a4, l4);
	return test_done();
}
