/*
 * Unix connections whose peer was closed (the kernel shut both directions
 * down) with data still queued: a stream pair, a seqpacket pair and a
 * datagram pair (two messages each), and two accepted sockets at a path whose client closed (one
 * listener still open, one closed too). After restore each reads its data,
 * whole, then EOF (0) and a send fails with EPIPE (the datagram socket:
 * EAGAIN, then ECONNREFUSED); the accepted sockets still
 * carry their listener's name.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "zdtmtst.h"

static void check(int sk, const char *const *want, int nr, const char *what)
{
	char buf[64];
	ssize_t r;

	for (int i = 0; i < nr; i++) {
		r = recv(sk, buf, sizeof(buf), MSG_DONTWAIT);
		if (r != (ssize_t)strlen(want[i]) || memcmp(buf, want[i], (size_t)r))
			fail("%s: read %d: got %zd bytes, expected '%s': %m", what, i, r, want[i]);
	}
	r = recv(sk, buf, sizeof(buf), MSG_DONTWAIT);
	if (r != 0)
		fail("%s: expected EOF after the data, got %zd: %m", what, r);
	if (send(sk, "x", 1, MSG_NOSIGNAL | MSG_DONTWAIT) >= 0 || errno != EPIPE)
		fail("%s: send to a closed peer did not fail with EPIPE: %m", what);
}

static int accepted(const char *name, struct sockaddr_un *sa, socklen_t *len, int close_l,
		    const char *data)
{
	int l = socket(AF_UNIX, SOCK_STREAM, 0), c = socket(AF_UNIX, SOCK_STREAM, 0), a;

	sa->sun_family = AF_UNIX;
	snprintf(sa->sun_path, sizeof(sa->sun_path), "%s", test_path(name));
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(sa->sun_path) + 1);
	if (l < 0 || c < 0 || bind(l, (struct sockaddr *)sa, *len) || listen(l, 1) ||
	    connect(c, (struct sockaddr *)sa, *len) || (a = accept(l, NULL, NULL)) < 0 ||
	    write(c, data, strlen(data)) != (ssize_t)strlen(data))
		test_skip("accepted socket at %s: %m", name);
	close(c);
	if (close_l)
		close(l);
	return a;
}

static void check_name(int sk, const struct sockaddr_un *want, socklen_t wlen, const char *what)
{
	struct sockaddr_un sa;
	socklen_t len = sizeof(sa);

	if (getsockname(sk, (struct sockaddr *)&sa, &len) || len != wlen || memcmp(&sa, want, len))
		fail("%s: getsockname is not '%s': %m", what, want->sun_path);
}

int main(int argc, char **argv)
{
	static const char *const st[] = {"stream bytes"}, *const sq[] = {"record one", "two"};
	static const char *const n1[] = {"named, listener open"}, *const n2[] = {
									  "named, no listener"};
	struct sockaddr_un sa1, sa2;
	socklen_t l1, l2;
	int a[2], b[2], g[2], s1, s2;
	char buf[16];

	test_init(argc, argv);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, a) || socketpair(AF_UNIX, SOCK_SEQPACKET, 0, b) ||
	    socketpair(AF_UNIX, SOCK_DGRAM, 0, g))
		test_skip("socketpair: %m");
	if (write(a[1], st[0], strlen(st[0])) < 0 || write(b[1], sq[0], strlen(sq[0])) < 0 ||
	    write(b[1], sq[1], strlen(sq[1])) < 0 || write(g[1], sq[0], strlen(sq[0])) < 0 ||
	    write(g[1], sq[1], strlen(sq[1])) < 0)
		test_skip("write: %m");
	close(a[1]);
	close(b[1]);
	close(g[1]);
	s1 = accepted("closed1.sock", &sa1, &l1, 0, n1[0]);
	s2 = accepted("closed2.sock", &sa2, &l2, 1, n2[0]);

	test_daemon();
	test_waitsig();

	check(a[0], st, 1, "stream");
	check(b[0], sq, 2, "seqpacket");
	for (int i = 0; i < 2; i++) {
		ssize_t r = recv(g[0], buf, sizeof(buf), MSG_DONTWAIT);

		if (r != (ssize_t)strlen(sq[i]) || memcmp(buf, sq[i], (size_t)r))
			fail("datagram: message %d: got %zd bytes, expected '%s': %m", i, r, sq[i]);
	}
	if (recv(g[0], buf, sizeof(buf), MSG_DONTWAIT) >= 0 || errno != EAGAIN)
		fail("datagram: more than 2 messages queued: %m");
	if (send(g[0], "x", 1, MSG_DONTWAIT) >= 0 || errno != ECONNREFUSED)
		fail("datagram: a send to the closed peer did not fail with ECONNREFUSED: %m");
	check_name(s1, &sa1, l1, "accepted, listener open");
	check_name(s2, &sa2, l2, "accepted, listener closed");
	check(s1, n1, 1, "accepted, listener open");
	check(s2, n2, 1, "accepted, listener closed");
	return test_done();
}
