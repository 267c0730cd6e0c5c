/*
 * Files in flight (SCM_RIGHTS) in stream, datagram and seqpacket queues come
 * back with the message they ride on, in order: recvmsg returns the same
 * bytes, the same message boundaries (a stream message without fds after
 * one with fds stays apart) and working fds: a pipe's write end that still
 * feeds the pipe, a regular file at its offset, a socket of the tree still
 * connected to its peer, and a socket held only in flight with its own
 * queued data.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zdtmtst.h"

#define FILE_OFF 123

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

	if (n) {
		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.b;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * n);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * n);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
	}
	return sendmsg(sk, &mh, 0) == (ssize_t)iov.iov_len ? 0 : -1;
}

/* Receives @len bytes expected to be @want with @n fds into @fds. */
static void recv_fds(const char *what, int sk, const char *want, int *fds, int n)
{
	union ctl ctl;
	char buf[64] = "";
	size_t len = strlen(want);
	struct iovec iov = {buf, len};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	struct cmsghdr *c;
	ssize_t r;
	int got = 0;

	mh.msg_control = ctl.b;
	mh.msg_controllen = sizeof(ctl.b);
	r = recvmsg(sk, &mh, MSG_DONTWAIT);
	if (r != (ssize_t)len || memcmp(buf, want, len))
		fail("%s: got %zd bytes '%.*s', expected '%s': %m", what, r, r > 0 ? (int)r : 0,
		     buf, want);
	c = CMSG_FIRSTHDR(&mh);
	if (c && c->cmsg_type == SCM_RIGHTS)
		got = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
	if (got != n)
		fail("%s: %d fds in flight came with '%s', expected %d", what, got, want, n);
	if (got && got == n)
		memcpy(fds, CMSG_DATA(c), sizeof(int) * n);
}

/* Writes through @w and expects the byte at @r. */
static void check_conn(const char *what, int w, int r)
{
	char c = 0;

	if (write(w, "x", 1) != 1 || read(r, &c, 1) != 1 || c != 'x')
		fail("%s: no longer connected: %m", what);
}

int main(int argc, char **argv)
{
	int st[2], dg[2], sq[2], p[2], x[2], y[2], fl, fds[2] = {-1, -1};
	struct stat a, b;
	char buf[16] = "";

	test_init(argc, argv);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, st) || socketpair(AF_UNIX, SOCK_DGRAM, 0, dg) ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sq) || pipe(p) ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, x) || socketpair(AF_UNIX, SOCK_STREAM, 0, y))
		test_skip("socketpair/pipe: %m");
	fl = open(test_path("file"), O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fl < 0 || ftruncate(fl, 4096) || lseek(fl, FILE_OFF, SEEK_SET) != FILE_OFF)
		test_skip("file: %m");
	/*
	 * stream: bytes with a pipe's write end, then without. (Bytes without
	 * fds before them would come back glued to them: docs/restore-design.md.)
	 */
	if (send_fds(st[0], "cd", &p[1], 1) || send_fds(st[0], "ef", NULL, 0))
		test_skip("stream sendmsg: %m");
	/* datagram: a regular file and a socket of the tree */
	fds[0] = fl;
	fds[1] = x[0];
	if (send_fds(dg[0], "dgram", fds, 2))
		test_skip("dgram sendmsg: %m");
	/* seqpacket: a socket held only in flight, with data of its own queued */
	if (write(y[1], "queued", 6) != 6 || send_fds(sq[0], "seq", &y[0], 1))
		test_skip("seqpacket sendmsg: %m");
	close(p[1]);
	close(fl);
	close(y[0]);

	test_daemon();
	test_waitsig();

	recv_fds("stream", st[1], "cd", fds, 1);
	if (test_failures() == 0)
		check_conn("the pipe's write end in flight", fds[0], p[0]);
	recv_fds("stream", st[1], "ef", fds, 0);

	recv_fds("dgram", dg[1], "dgram", fds, 2);
	if (test_failures() == 0) {
		if (lseek(fds[0], 0, SEEK_CUR) != FILE_OFF)
			fail("file in flight: offset %ld, expected %d",
			     (long)lseek(fds[0], 0, SEEK_CUR), FILE_OFF);
		if (fstat(fds[0], &a) || stat(test_path("file"), &b) || a.st_ino != b.st_ino)
			fail("file in flight: not the test's file: %m");
		check_conn("socket of the tree in flight", fds[1], x[1]);
		check_conn("its peer", x[1], fds[1]);
	}

	recv_fds("seqpacket", sq[1], "seq", fds, 1);
	if (test_failures() == 0) {
		if (read(fds[0], buf, sizeof(buf)) != 6 || memcmp(buf, "queued", 6))
			fail("socket in flight: its queue holds '%.6s', expected 'queued': %m",
			     buf);
		check_conn("socket in flight", fds[0], y[1]);
	}
	return test_done();
}
