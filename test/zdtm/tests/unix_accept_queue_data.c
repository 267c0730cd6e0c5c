/*
 * A client of the tree that sent bytes into its connection before the
 * listener accepted it. criu-lite refuses such a dump (the bytes sit in a
 * socket no fd reaches before accept(), and accepting cannot be undone):
 * the runner then requires this process intact. Either way, after the wait
 * the connection is still queued, accept() gets it, the bytes are there in
 * order, and it talks to the client both ways.
 */
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "zdtmtst.h"

#define EARLY "sent before the accept"

int main(int argc, char **argv)
{
	struct sockaddr_un p = {.sun_family = AF_UNIX};
	char buf[64] = "", c = 0;
	int l, cl, a;
	ssize_t n;

	test_init(argc, argv);
	snprintf(p.sun_path, sizeof(p.sun_path), "%s", test_path("early.sock"));
	l = socket(AF_UNIX, SOCK_STREAM, 0);
	cl = socket(AF_UNIX, SOCK_STREAM, 0);
	if (l < 0 || cl < 0 || bind(l, (struct sockaddr *)&p, sizeof(p)) || listen(l, 4) ||
	    connect(cl, (struct sockaddr *)&p, sizeof(p)) ||
	    write(cl, EARLY, strlen(EARLY)) != (ssize_t)strlen(EARLY))
		test_skip("listener and client: %m");

	test_daemon();
	test_waitsig();

	fcntl(l, F_SETFL, O_NONBLOCK);
	a = accept(l, NULL, NULL);
	if (a < 0) {
		fail("no connection waiting in the listener's queue: %m");
		return test_done();
	}
	n = recv(a, buf, sizeof(buf), MSG_DONTWAIT);
	if (n != (ssize_t)strlen(EARLY) || memcmp(buf, EARLY, strlen(EARLY)))
		fail("the accepted socket holds %zd bytes '%.*s', expected '%s'", n,
		     n > 0 ? (int)n : 0, buf, EARLY);
	if (write(a, "s", 1) != 1 || recv(cl, &c, 1, MSG_DONTWAIT) != 1 || c != 's')
		fail("accepted socket to the client: %m");
	if (write(cl, "c", 1) != 1 || recv(a, &c, 1, MSG_DONTWAIT) != 1 || c != 'c')
		fail("client to the accepted socket: %m");
	return test_done();
}
