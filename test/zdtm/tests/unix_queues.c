/*
 * Queued data in unix sockets, in both directions, read after restore:
 * a stream pair (several writes), a datagram pair and a seqpacket pair (each
 * message whole and in order, boundaries kept, an empty-looking short one
 * among long ones), a bound datagram socket holding messages sent by an
 * unconnected socket since closed, and a stream pair with SO_PASSCRED whose
 * queued messages carry credentials chosen by the sender (pid, uid 1234 /
 * gid 5678, then uid 4321 / gid 8765): each comes back with its own.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "zdtmtst.h"

static const char *const msgs[] = {"first message", "2", "the third, and the longest of them all"};
#define NR_MSGS 3

static void send_all(int sk, const char *tag)
{
	char buf[64];

	for (int i = 0; i < NR_MSGS; i++) {
		int n = snprintf(buf, sizeof(buf), "%s:%s", tag, msgs[i]);

		if (send(sk, buf, (size_t)n, 0) != n)
			fail("%s: send %d: %m", tag, i);
	}
}

/* Message by message (datagram, seqpacket), each whole. */
static void recv_msgs(int sk, const char *tag)
{
	char buf[128], want[64];

	for (int i = 0; i < NR_MSGS; i++) {
		int n = snprintf(want, sizeof(want), "%s:%s", tag, msgs[i]);
		ssize_t r = recv(sk, buf, sizeof(buf), MSG_DONTWAIT);

		if (r != n || memcmp(buf, want, (size_t)n))
			fail("%s: message %d: got %zd bytes '%.*s', expected '%s'", tag, i, r,
			     r > 0 ? (int)r : 0, buf, want);
	}
	if (recv(sk, buf, sizeof(buf), MSG_DONTWAIT) >= 0 || errno != EAGAIN)
		fail("%s: more than %d messages queued", tag, NR_MSGS);
}

/* A stream: the bytes of every message in a row. */
static void recv_stream(int sk, const char *tag)
{
	char buf[512], want[512];
	size_t n = 0;
	ssize_t r;

	for (int i = 0; i < NR_MSGS; i++)
		n += (size_t)snprintf(want + n, sizeof(want) - n, "%s:%s", tag, msgs[i]);
	r = recv(sk, buf, sizeof(buf), MSG_DONTWAIT);
	if (r != (ssize_t)n || memcmp(buf, want, n))
		fail("%s: got %zd bytes, expected %zu '%s'", tag, r, n, want);
}

static void pair(int type, int sk[2], const char *what)
{
	if (socketpair(AF_UNIX, type, 0, sk))
		test_skip("%s socketpair: %m", what);
	send_all(sk[0], "to-one");
	send_all(sk[1], "to-zero");
}

static void send_cred(int sk, const char *data, uid_t uid, gid_t gid)
{
	union {
		char b[CMSG_SPACE(sizeof(struct ucred))];
		struct cmsghdr align;
	} ctl;
	struct ucred cr = {getpid(), uid, gid};
	struct iovec iov = {(void *)data, strlen(data)};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	struct cmsghdr *c;

	memset(&ctl, 0, sizeof(ctl));
	mh.msg_control = ctl.b;
	mh.msg_controllen = sizeof(ctl.b);
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_CREDENTIALS;
	c->cmsg_len = CMSG_LEN(sizeof(cr));
	memcpy(CMSG_DATA(c), &cr, sizeof(cr));
	if (sendmsg(sk, &mh, 0) != (ssize_t)strlen(data))
		test_skip("sendmsg with SCM_CREDENTIALS: %m");
}

static void recv_cred(int sk, const char *data, uid_t uid, gid_t gid)
{
	union {
		char b[CMSG_SPACE(sizeof(struct ucred))];
		struct cmsghdr align;
	} ctl;
	char buf[64];
	struct iovec iov = {buf, sizeof(buf)};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	struct ucred cr = {0, 0, 0};
	struct cmsghdr *c;
	ssize_t r;

	mh.msg_control = ctl.b;
	mh.msg_controllen = sizeof(ctl.b);
	r = recvmsg(sk, &mh, MSG_DONTWAIT);
	if (r != (ssize_t)strlen(data) || memcmp(buf, data, (size_t)r)) {
		fail("credentials: got %zd bytes, expected '%s': %m", r, data);
		return;
	}
	c = CMSG_FIRSTHDR(&mh);
	if (!c || c->cmsg_type != SCM_CREDENTIALS) {
		fail("credentials: '%s' came without SCM_CREDENTIALS", data);
		return;
	}
	memcpy(&cr, CMSG_DATA(c), sizeof(cr));
	if (cr.pid != getpid() || cr.uid != uid || cr.gid != gid)
		fail("credentials of '%s': pid %d uid %u gid %u, expected pid %d uid %u gid %u",
		     data, cr.pid, cr.uid, cr.gid, getpid(), uid, gid);
}

int main(int argc, char **argv)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int st[2], dg[2], sp[2], cr[2], b, u, one = 1;
	socklen_t len;

	test_init(argc, argv);
	pair(SOCK_STREAM, st, "stream");
	pair(SOCK_DGRAM, dg, "datagram");
	pair(SOCK_SEQPACKET, sp, "seqpacket");
	/* A bound datagram socket with messages from a sender that is gone. */
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", test_path("queue.sock"));
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(sa.sun_path) + 1);
	b = socket(AF_UNIX, SOCK_DGRAM, 0);
	u = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (b < 0 || u < 0 || bind(b, (struct sockaddr *)&sa, len) ||
	    connect(u, (struct sockaddr *)&sa, len))
		test_skip("bound datagram socket: %m");
	send_all(u, "to-bound");
	close(u);
	/* Credentials, on a stream whose receiver passes them. */
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, cr) ||
	    setsockopt(cr[1], SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)))
		test_skip("credentials pair: %m");
	send_cred(cr[0], "cred-one", 1234, 5678);
	send_cred(cr[0], "cred-two", 4321, 8765);

	test_daemon();
	test_waitsig();

	recv_stream(st[1], "to-one");
	recv_stream(st[0], "to-zero");
	recv_msgs(dg[1], "to-one");
	recv_msgs(dg[0], "to-zero");
	recv_msgs(sp[1], "to-one");
	recv_msgs(sp[0], "to-zero");
	recv_msgs(b, "to-bound");
	recv_cred(cr[1], "cred-one", 1234, 5678);
	recv_cred(cr[1], "cred-two", 4321, 8765);
	/* Still connected: one more record each way. */
	if (send(sp[0], "x", 1, 0) != 1 || send(dg[1], "y", 1, 0) != 1)
		fail("send after restore: %m");
	else {
		char c[2];

		if (recv(sp[1], c, 2, MSG_DONTWAIT) != 1 || recv(dg[0], c, 2, MSG_DONTWAIT) != 1)
			fail("pairs no longer connected: %m");
	}
	return test_done();
}
