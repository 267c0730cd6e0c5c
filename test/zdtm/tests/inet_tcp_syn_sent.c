/*
 * A TCP connection still being set up (SYN_SENT): its listener drops every
 * segment through an attached BPF filter, so the SYN goes unanswered. After
 * restore the socket is still connecting; once the filter is detached its
 * SYN gets through (retransmitted), the connection completes with no error
 * and carries data.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "zdtmtst.h"

static int tcp_state(int sk)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	return getsockopt(sk, IPPROTO_TCP, TCP_INFO, &ti, &len) ? -1 : ti.tcpi_state;
}

int main(int argc, char **argv)
{
	struct sock_filter drop[] = {BPF_STMT(BPF_RET | BPF_K, 0)};
	struct sock_fprog fp = {1, drop};
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof(a);
	struct pollfd p;
	int l, c, s, err = 0, dummy = 0;
	char buf[4];

	test_init(argc, argv);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM, 0);
	c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (l < 0 || c < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 4) ||
	    getsockname(l, (struct sockaddr *)&a, &len) ||
	    setsockopt(l, SOL_SOCKET, SO_ATTACH_FILTER, &fp, sizeof(fp)))
		test_skip("listener: %m");
	if (!connect(c, (struct sockaddr *)&a, sizeof(a)) || errno != EINPROGRESS)
		test_skip("connect did not start: %m");
	usleep(50000);
	if (tcp_state(c) != TCP_SYN_SENT)
		test_skip("the connecting socket is in state %d, not SYN_SENT", tcp_state(c));
	test_daemon();
	test_waitsig();

	if (tcp_state(c) != TCP_SYN_SENT)
		fail("state %d after restore, not SYN_SENT", tcp_state(c));
	if (setsockopt(l, SOL_SOCKET, SO_DETACH_FILTER, &dummy, sizeof(dummy)))
		fail("SO_DETACH_FILTER: %m");
	p.fd = c;
	p.events = POLLOUT;
	len = sizeof(err);
	if (poll(&p, 1, 15000) != 1)
		fail("the connection did not complete in 15 s (state %d)", tcp_state(c));
	else if (getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &len) || err)
		fail("the connection failed: %s", strerror(err));
	else if ((s = accept(l, NULL, NULL)) < 0)
		fail("accept: %m");
	else {
		fcntl(c, F_SETFL, 0);
		if (write(c, "ping", 4) != 4 || read(s, buf, 4) != 4 || memcmp(buf, "ping", 4))
			fail("the connection carries no data: %m");
		/* The connecting end closes first: TIME_WAIT stays off the listener's port. */
		close(c);
		usleep(10000);
		close(s);
	}
	close(c);
	close(l);
	return test_done();
}
