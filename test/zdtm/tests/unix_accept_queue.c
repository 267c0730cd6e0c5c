/*
 * A unix listener with connections not yet accepted: two clients of the
 * tree connected to a listener at a path (and one to a seqpacket listener
 * at an abstract name), none accepted. After restore each listener has as
 * many connections waiting (accept() without blocking, then EAGAIN), every
 * accepted socket carries the listener's name, and each accepted socket
 * talks to exactly one of the clients, both ways.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "zdtmtst.h"

/* Accepts every waiting connection of @l (expects @nr) and matches each to one of @cl. */
static void drain(int l, const int *cl, int nr, const struct sockaddr_un *name, socklen_t nlen,
		  const char *what)
{
	int seen[4] = {0}, got = 0;

	fcntl(l, F_SETFL, O_NONBLOCK);
	for (;;) {
		struct sockaddr_un sa;
		socklen_t len = sizeof(sa);
		int a = accept(l, NULL, NULL), hit = -1;
		char c = 0;

		if (a < 0) {
			if (errno != EAGAIN)
				fail("%s: accept: %m", what);
			break;
		}
		got++;
		if (getsockname(a, (struct sockaddr *)&sa, &len) || len != nlen ||
		    memcmp(&sa, name, len))
			fail("%s: accepted socket without the listener's name", what);
		if (write(a, "s", 1) != 1)
			fail("%s: write to the client: %m", what);
		for (int i = 0; i < nr; i++)
			if (recv(cl[i], &c, 1, MSG_DONTWAIT) == 1 && c == 's')
				hit = i;
		if (hit < 0 || seen[hit]++) {
			fail("%s: accepted connection %d reaches no client (or one twice)", what,
			     got);
			continue;
		}
		if (write(cl[hit], "c", 1) != 1 || recv(a, &c, 1, MSG_DONTWAIT) != 1 || c != 'c')
			fail("%s: client %d to its accepted socket: %m", what, hit);
	}
	if (got != nr)
		fail("%s: %d connections waited to be accepted, expected %d", what, got, nr);
}

int main(int argc, char **argv)
{
	struct sockaddr_un p = {.sun_family = AF_UNIX}, a = {.sun_family = AF_UNIX};
	socklen_t plen, alen;
	int l, q, cl[2], cq[1], n;

	test_init(argc, argv);
	snprintf(p.sun_path, sizeof(p.sun_path), "%s", test_path("acceptq.sock"));
	plen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(p.sun_path) + 1);
	n = snprintf(a.sun_path + 1, sizeof(a.sun_path) - 1, "crl-zdtm-acceptq-%d", (int)getpid());
	alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
	l = socket(AF_UNIX, SOCK_STREAM, 0);
	q = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	if (l < 0 || q < 0 || bind(l, (struct sockaddr *)&p, plen) || listen(l, 8) ||
	    bind(q, (struct sockaddr *)&a, alen) || listen(q, 8))
		test_skip("listeners: %m");
	for (int i = 0; i < 2; i++) {
		cl[i] = socket(AF_UNIX, SOCK_STREAM, 0);
		if (cl[i] < 0 || connect(cl[i], (struct sockaddr *)&p, plen))
			test_skip("client %d: %m", i);
	}
	cq[0] = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	if (cq[0] < 0 || connect(cq[0], (struct sockaddr *)&a, alen))
		test_skip("seqpacket client: %m");

	test_daemon();
	test_waitsig();

	drain(l, cl, 2, &p, plen, "stream listener");
	drain(q, cq, 1, &a, alen, "seqpacket listener");
	return test_done();
}
