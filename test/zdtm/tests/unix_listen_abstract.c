/*
 * A seqpacket listener bound to an abstract name (backlog 3) with a client
 * connected to it and the accepted socket. After restore: the listener and
 * the accepted socket are named with the exact abstract bytes, the client is
 * unnamed with that name as its peer, records keep their boundaries both
 * ways, and a fresh connect() to the name is accepted.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "zdtmtst.h"

static struct sockaddr_un addr = {.sun_family = AF_UNIX};
static socklen_t addr_len;

static void check_name(int sk, int peer, int named, const char *what)
{
	struct sockaddr_un sa;
	socklen_t len = sizeof(sa);
	int r = peer ? getpeername(sk, (struct sockaddr *)&sa, &len)
		     : getsockname(sk, (struct sockaddr *)&sa, &len);

	if (r)
		fail("%s: %m", what);
	else if (!named && len != sizeof(sa_family_t))
		fail("%s: expected unnamed, got %u bytes", what, len);
	else if (named && (len != addr_len || memcmp(&sa, &addr, len)))
		fail("%s: expected '@%s' (%u bytes), got '@%.*s' (%u bytes)", what,
		     addr.sun_path + 1, addr_len, (int)(len > 3 ? len - 3 : 0), sa.sun_path + 1,
		     len);
}

/* Two records sent from @from arrive as two records on @to. */
static void check_records(int from, int to, const char *what)
{
	char buf[16];

	if (send(from, "one", 3, 0) != 3 || send(from, "three", 5, 0) != 5)
		fail("%s: send: %m", what);
	if (recv(to, buf, sizeof(buf), MSG_DONTWAIT) != 3 || memcmp(buf, "one", 3) ||
	    recv(to, buf, sizeof(buf), MSG_DONTWAIT) != 5 || memcmp(buf, "three", 5))
		fail("%s: records lost or merged: %m", what);
}

int main(int argc, char **argv)
{
	int l, c, a, n;

	test_init(argc, argv);
	/* Unique per test process; a restored process has the same pid. */
	n = snprintf(addr.sun_path + 1, sizeof(addr.sun_path) - 1, "crl-zdtm-abstract-%d",
		     (int)getpid());
	addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
	l = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	c = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	if (l < 0 || c < 0 || bind(l, (struct sockaddr *)&addr, addr_len) || listen(l, 3) ||
	    connect(c, (struct sockaddr *)&addr, addr_len))
		test_skip("abstract seqpacket listener: %m");
	a = accept(l, NULL, NULL);
	if (a < 0)
		fail("accept: %m");
	test_daemon();
	test_waitsig();

	check_name(l, 0, 1, "getsockname of the listener");
	check_name(a, 0, 1, "getsockname of the accepted socket");
	check_name(a, 1, 0, "getpeername of the accepted socket");
	check_name(c, 0, 0, "getsockname of the client");
	check_name(c, 1, 1, "getpeername of the client");
	check_records(c, a, "client to server");
	check_records(a, c, "server to client");
	n = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	if (n < 0 || connect(n, (struct sockaddr *)&addr, addr_len))
		fail("fresh connect to the abstract name: %m");
	else if ((a = accept(l, NULL, NULL)) < 0)
		fail("the listener does not accept the fresh connection: %m");
	else
		check_records(n, a, "fresh connection");
	return test_done();
}
