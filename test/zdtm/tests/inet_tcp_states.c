/*
 * A TCP connection (both ends in the process) caught while closing, with a
 * full send queue whose bytes the peer has not read and partly not even
 * received (small buffers, the reader never reads before the dump):
 *   state=fin_wait1  c wrote until blocked, then shut down: c FIN_WAIT1
 *                    (its FIN behind the unsent bytes), s ESTABLISHED;
 *   state=last_ack   c shut down first (FIN_WAIT2, s CLOSE_WAIT), then s
 *                    wrote until blocked and shut down: s LAST_ACK;
 *   state=closing    c wrote until blocked and shut down, then s shut down:
 *                    c CLOSING (both FINs, its own not acknowledged), s
 *                    FIN_WAIT2.
 * family=6 runs the same over ::1.
 * After restore the reader gets every byte in order and then end of file,
 * the other end sees end of file where it should and can still send where
 * it may.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "zdtmtst.h"

static const char *const names[] = {"?",	  "ESTABLISHED", "SYN_SENT",  "SYN_RECV",
				    "FIN_WAIT1",  "FIN_WAIT2",	 "TIME_WAIT", "CLOSE",
				    "CLOSE_WAIT", "LAST_ACK",	 "LISTEN",    "CLOSING"};

static int tcp_state(int sk)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	if (getsockopt(sk, IPPROTO_TCP, TCP_INFO, &ti, &len))
		return -1;
	return ti.tcpi_state;
}

static const char *state_name(int st)
{
	return st > 0 && st < 12 ? names[st] : "?";
}

/* Writes the byte pattern (i % 251) until the socket would block: the count. */
static size_t fill(int sk)
{
	char buf[4096];
	size_t total = 0;

	fcntl(sk, F_SETFL, O_NONBLOCK);
	for (;;) {
		for (size_t i = 0; i < sizeof(buf); i++)
			buf[i] = (char)((total + i) % 251);
		ssize_t n = write(sk, buf, sizeof(buf));

		if (n <= 0)
			break;
		total += (size_t)n;
	}
	fcntl(sk, F_SETFL, 0);
	return total;
}

/* Reads the pattern (@total bytes) and then end of file from @sk, in 10 s at most. */
static void drain(const char *what, int sk, size_t total)
{
	size_t got = 0;
	char buf[4096];

	for (;;) {
		struct pollfd p = {.fd = sk, .events = POLLIN};
		ssize_t n;

		if (poll(&p, 1, 10000) != 1) {
			fail("%s: stuck after %zu of %zu bytes (state %s)", what, got, total,
			     state_name(tcp_state(sk)));
			return;
		}
		n = read(sk, buf, sizeof(buf));
		if (n < 0) {
			fail("%s: read after %zu of %zu bytes: %m", what, got, total);
			return;
		}
		if (n == 0)
			break;
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] != (char)((got + (size_t)i) % 251)) {
				fail("%s: byte %zu differs", what, got + (size_t)i);
				return;
			}
		got += (size_t)n;
	}
	if (got != total)
		fail("%s: end of file after %zu of %zu bytes", what, got, total);
}

static void expect_eof(const char *what, int sk)
{
	struct pollfd p = {.fd = sk, .events = POLLIN};
	char c;

	if (poll(&p, 1, 10000) != 1 || read(sk, &c, 1) != 0)
		fail("%s: no end of file (state %s): %m", what, state_name(tcp_state(sk)));
}

static void small_bufs(int sk)
{
	int v = 4096;

	setsockopt(sk, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
	setsockopt(sk, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
}

int main(int argc, char **argv)
{
	const char *mode;
	struct sockaddr_in6 a = {.sin6_family = AF_INET6};
	int fam;
	socklen_t len = sizeof(a);
	int l, c, s, want_c, want_s;
	size_t total = 0;
	char buf[4];

	test_init(argc, argv);
	mode = test_arg("state", "fin_wait1");
	/* family=6: over ::1 (the peer's FIN goes back as an IPv6 segment). */
	fam = test_arg_long("family", 4) == 6 ? AF_INET6 : AF_INET;
	if (fam == AF_INET) {
		struct sockaddr_in *a4 = (struct sockaddr_in *)&a;

		a4->sin_family = AF_INET;
		a4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	} else {
		a.sin6_addr = in6addr_loopback;
	}
	l = socket(fam, SOCK_STREAM, 0);
	c = socket(fam, SOCK_STREAM, 0);
	if (l >= 0)
		small_bufs(l);
	if (c >= 0)
		small_bufs(c);
	if (l < 0 || c < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 1) ||
	    getsockname(l, (struct sockaddr *)&a, &len) ||
	    connect(c, (struct sockaddr *)&a, sizeof(a)) || (s = accept(l, NULL, NULL)) < 0)
		test_skip("tcp loopback: %m");
	close(l);
	if (!strcmp(mode, "fin_wait1")) {
		total = fill(c);
		shutdown(c, SHUT_WR);
		want_c = TCP_FIN_WAIT1, want_s = TCP_ESTABLISHED;
	} else if (!strcmp(mode, "last_ack")) {
		shutdown(c, SHUT_WR);
		usleep(50000);
		total = fill(s);
		shutdown(s, SHUT_WR);
		want_c = TCP_FIN_WAIT2, want_s = TCP_LAST_ACK;
	} else if (!strcmp(mode, "closing")) {
		total = fill(c);
		shutdown(c, SHUT_WR);
		usleep(50000);
		shutdown(s, SHUT_WR);
		want_c = TCP_CLOSING, want_s = TCP_FIN_WAIT2;
	} else {
		test_skip("unknown state=%s", mode);
	}
	usleep(100000);
	if (tcp_state(c) != want_c || tcp_state(s) != want_s)
		test_skip("setup reached %s/%s, not %s/%s", state_name(tcp_state(c)),
			  state_name(tcp_state(s)), state_name(want_c), state_name(want_s));
	test_daemon();
	test_waitsig();

	if (!strcmp(mode, "fin_wait1")) {
		drain("the accepted end", s, total);
		if (write(s, "bye", 3) != 3 || read(c, buf, 3) != 3 || memcmp(buf, "bye", 3))
			fail("data no longer flows towards the closing end: %m");
		if (shutdown(s, SHUT_WR))
			fail("shutdown: %m");
		expect_eof("the closing end", c);
	} else if (!strcmp(mode, "last_ack")) {
		expect_eof("the accepted end", s);
		drain("the connecting end", c, total);
	} else {
		expect_eof("the connecting end", c);
		drain("the accepted end", s, total);
	}
	close(c);
	close(s);
	return test_done();
}
