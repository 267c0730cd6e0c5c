/*
 * An established TCP connection (both ends in the process) with bytes
 * waiting in each direction survives: the waiting bytes are read after
 * restore, in order, and the connection carries new data both ways. The
 * listener, whose port the accepted end shares, sits on a higher fd.
 */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "zdtmtst.h"

static void expect(const char *what, int fd, const char *want)
{
	size_t len = strlen(want), got = 0;
	char buf[64] = "";

	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);

		if (n <= 0) {
			fail("%s: read after %zu bytes: %m", what, got);
			return;
		}
		got += (size_t)n;
	}
	if (memcmp(buf, want, len))
		fail("%s: got '%.*s', expected '%s'", what, (int)len, buf, want);
}

int main(int argc, char **argv)
{
	struct sockaddr_in a;
	int l, c, s, one = 1;

	test_init(argc, argv);
	if (test_tcp_loopback(&l, &c, &a))
		test_skip("tcp loopback: %m");
	s = accept(l, NULL, NULL);
	if (s < 0)
		test_skip("accept: %m");
	/* The listener on a higher fd than the connection sharing its port. */
	if (dup2(l, 40) != 40 || close(l))
		fail("dup2: %m");
	l = 40;
	if (setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) ||
	    write(c, "queued-for-s", 12) != 12 || write(s, "queued-for-c", 12) != 12)
		fail("setup: %m");
	usleep(100000); /* delivered and acknowledged before the dump */
	test_daemon();
	test_waitsig();

	expect("bytes waiting for the accepted end", s, "queued-for-s");
	expect("bytes waiting for the connecting end", c, "queued-for-c");
	if (write(c, "ping", 4) != 4)
		fail("write to the connection: %m");
	expect("new data from the connecting end", s, "ping");
	if (write(s, "pong", 4) != 4)
		fail("write back: %m");
	expect("new data from the accepted end", c, "pong");
	/* The connecting ends close first: TIME_WAIT stays off the listener's port. */
	close(c);
	close(s);
	if ((c = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    connect(c, (struct sockaddr *)&a, sizeof(a)) || (s = accept(l, NULL, NULL)) < 0)
		fail("the listener no longer accepts: %m");
	close(c);
	usleep(10000);
	close(s);
	close(l);
	return test_done();
}
