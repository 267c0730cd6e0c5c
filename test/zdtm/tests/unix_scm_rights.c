/*
 * A file descriptor in flight (SCM_RIGHTS) in a unix socket's queue: dump
 * refuses it by name, and the target goes on unharmed: the message, its
 * data and the fd (a pipe's write end) are still there, the fd works.
 */
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "zdtmtst.h"

int main(int argc, char **argv)
{
	union {
		char b[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov;
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	struct cmsghdr *c;
	int sk[2], p[2], fd = -1;
	char buf[8];

	test_init(argc, argv);
	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sk) || pipe(p))
		test_skip("socketpair/pipe: %m");
	memset(&ctl, 0, sizeof(ctl));
	iov.iov_base = "fd";
	iov.iov_len = 2;
	mh.msg_control = ctl.b;
	mh.msg_controllen = sizeof(ctl.b);
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &p[1], sizeof(int));
	if (sendmsg(sk[0], &mh, 0) != 2)
		test_skip("sendmsg SCM_RIGHTS: %m");
	close(p[1]);

	test_daemon();
	test_waitsig();

	iov.iov_base = buf;
	iov.iov_len = sizeof(buf);
	mh.msg_controllen = sizeof(ctl.b);
	if (recvmsg(sk[1], &mh, MSG_DONTWAIT) != 2 || memcmp(buf, "fd", 2))
		fail("the message is gone: %m");
	c = CMSG_FIRSTHDR(&mh);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		fail("the fd in flight is gone");
	else
		memcpy(&fd, CMSG_DATA(c), sizeof(int));
	if (fd < 0 || write(fd, "w", 1) != 1 || read(p[0], buf, 1) != 1 || buf[0] != 'w')
		fail("the fd in flight is not the pipe's write end: %m");
	return test_done();
}
