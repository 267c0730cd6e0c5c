/*
 * Unconnected unix sockets (java's source launcher holds one): a stream
 * socket neither bound nor connected, a stream socket bound to a path, a
 * seqpacket socket bound to an abstract name, and an unbound datagram
 * socket. After restore each has its type and name; the bound stream socket
 * can still listen and take a connection at its name, the unbound one can
 * still bind and connect.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "zdtmtst.h"

static void check(int sk, int type, const struct sockaddr_un *want, socklen_t want_len,
		  const char *what)
{
	struct sockaddr_un sa;
	socklen_t len = sizeof(sa), tl = sizeof(int);
	int t = -1;

	if (getsockopt(sk, SOL_SOCKET, SO_TYPE, &t, &tl) || t != type)
		fail("%s: type %d, expected %d: %m", what, t, type);
	if (getsockname(sk, (struct sockaddr *)&sa, &len))
		fail("%s: getsockname: %m", what);
	else if (want ? len != want_len || memcmp(&sa, want, len) : len != sizeof(sa_family_t))
		fail("%s: name of %u bytes, expected %u", what, len,
		     want ? want_len : (socklen_t)sizeof(sa_family_t));
	len = sizeof(sa);
	if (!getpeername(sk, (struct sockaddr *)&sa, &len) || errno != ENOTCONN)
		fail("%s: connected after restore", what);
}

int main(int argc, char **argv)
{
	struct sockaddr_un p = {.sun_family = AF_UNIX}, a = {.sun_family = AF_UNIX};
	struct sockaddr_un l = {.sun_family = AF_UNIX};
	socklen_t plen, alen, llen;
	int s0, sb, qa, d0, k, ls, n;
	char c;

	test_init(argc, argv);
	snprintf(p.sun_path, sizeof(p.sun_path), "%s", test_path("unconnected.sock"));
	plen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(p.sun_path) + 1);
	n = snprintf(a.sun_path + 1, sizeof(a.sun_path) - 1, "crl-zdtm-unconn-%d", (int)getpid());
	alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
	s0 = socket(AF_UNIX, SOCK_STREAM, 0);
	sb = socket(AF_UNIX, SOCK_STREAM, 0);
	qa = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	d0 = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (s0 < 0 || sb < 0 || qa < 0 || d0 < 0 || bind(sb, (struct sockaddr *)&p, plen) ||
	    bind(qa, (struct sockaddr *)&a, alen))
		test_skip("sockets: %m");

	test_daemon();
	test_waitsig();

	check(s0, SOCK_STREAM, NULL, 0, "unbound stream");
	check(sb, SOCK_STREAM, &p, plen, "bound stream");
	check(qa, SOCK_SEQPACKET, &a, alen, "seqpacket at an abstract name");
	check(d0, SOCK_DGRAM, NULL, 0, "unbound datagram");
	/* The bound one still owns its name: it listens and takes a connection there. */
	k = socket(AF_UNIX, SOCK_STREAM, 0);
	if (listen(sb, 4) || connect(k, (struct sockaddr *)&p, plen))
		fail("listen/connect at the bound stream socket's name: %m");
	else if ((ls = accept(sb, NULL, NULL)) < 0 || write(k, "z", 1) != 1 ||
		 read(ls, &c, 1) != 1 || c != 'z')
		fail("accept and talk at the bound stream socket: %m");
	/* The unbound one can still bind and connect. */
	/* An abstract name: the checks run twice (leave mode) and leave no file behind. */
	n = snprintf(l.sun_path + 1, sizeof(l.sun_path) - 1, "crl-zdtm-unconn2-%d", (int)getpid());
	llen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
	if (bind(s0, (struct sockaddr *)&l, llen) ||
	    connect(s0, (struct sockaddr *)&a, alen) == 0 || errno != ECONNREFUSED)
		fail("unbound stream: bind, then connect to a non-listener (ECONNREFUSED): %m");
	if (listen(qa, 1) || connect(d0, (struct sockaddr *)&p, plen) == 0)
		fail("seqpacket listen / a datagram connect to a stream name must fail: %m");
	return test_done();
}
