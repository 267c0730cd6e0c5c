/*
 * Files in flight that carry files in flight: a socket held only in flight
 * whose own queue holds a message with a pipe's write end, and both ends of
 * a socketpair in flight in one message, one with data queued. After restore
 * every message, fd and connection is back: the inner message with its pipe
 * end that still feeds the pipe, the pair still connected both ways.
 */
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "zdtmtst.h"

union ctl {
	char b[CMSG_SPACE(sizeof(int) * 4)];
	struct cmsghdr align;
};

static int send_fds(int sk, const char *data, const int *fds, int n)
{
	union ctl ctl;
	struct iovec iov = {(void *)data, strlen(data)};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	struct cmsghdr *c;

	memset(&ctl, 0, sizeof(ctl));
	mh.msg_control = ctl.b;
	mh.msg_controllen = CMSG_SPACE(sizeof(int) * n);
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int) * n);
	memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
	return sendmsg(sk, &mh, 0) == (ssize_t)iov.iov_len ? 0 : -1;
}

/* One message expected to be @want with @n fds, into @fds; 0 when it is. */
static int recv_fds(const char *what, int sk, const char *want, int *fds, int n)
{
	union ctl ctl;
	char buf[64] = "";
	struct iovec iov = {buf, sizeof(buf)};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	struct cmsghdr *c;
	ssize_t r;
	int got = 0;

	mh.msg_control = ctl.b;
	mh.msg_controllen = sizeof(ctl.b);
	r = recvmsg(sk, &mh, MSG_DONTWAIT);
	c = CMSG_FIRSTHDR(&mh);
	if (c && c->cmsg_type == SCM_RIGHTS)
		got = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
	if (r != (ssize_t)strlen(want) || memcmp(buf, want, strlen(want)) || got != n) {
		fail("%s: got '%.*s' with %d fds, expected '%s' with %d: %m", what,
		     r > 0 ? (int)r : 0, buf, got, want, n);
		return -1;
	}
	memcpy(fds, CMSG_DATA(c), sizeof(int) * n);
	return 0;
}

static void check_conn(const char *what, int w, int r)
{
	char c = 0;

	if (write(w, "x", 1) != 1 || read(r, &c, 1) != 1 || c != 'x')
		fail("%s: no longer connected: %m", what);
}

int main(int argc, char **argv)
{
	int dg[2], n[2], z[2], q[2], fds[3], inner[1];
	char buf[4] = "";

	test_init(argc, argv);
	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, dg) || socketpair(AF_UNIX, SOCK_STREAM, 0, n) ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET, 0, z) || pipe(q))
		test_skip("socketpair/pipe: %m");
	/* n[1]'s queue carries q[1]; n[1] itself, z[0] and z[1] ride in dg[1]'s queue */
	if (send_fds(n[0], "inner", &q[1], 1) || write(z[0], "zz", 2) != 2)
		test_skip("inner sendmsg: %m");
	fds[0] = n[1];
	fds[1] = z[0];
	fds[2] = z[1];
	if (send_fds(dg[0], "outer", fds, 3))
		test_skip("outer sendmsg: %m");
	close(n[1]);
	close(q[1]);
	close(z[0]);
	close(z[1]);

	test_daemon();
	test_waitsig();

	if (recv_fds("outer", dg[1], "outer", fds, 3))
		return test_done();
	if (!recv_fds("inner", fds[0], "inner", inner, 1))
		check_conn("the pipe's write end in flight in a socket in flight", inner[0], q[0]);
	check_conn("the socket in flight to its peer", fds[0], n[0]);
	check_conn("its peer to it", n[0], fds[0]);
	if (read(fds[2], buf, sizeof(buf)) != 2 || memcmp(buf, "zz", 2))
		fail("the pair in flight: its queue holds '%.2s', expected 'zz': %m", buf);
	check_conn("the pair in flight", fds[1], fds[2]);
	check_conn("the pair in flight, back", fds[2], fds[1]);
	return test_done();
}
