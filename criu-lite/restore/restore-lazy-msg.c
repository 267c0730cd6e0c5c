/*
 * restore --lazy-pages: the messages between the tool, the server and the
 * guard (restore-lazy.h), one SOCK_SEQPACKET packet each, fds by SCM_RIGHTS.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "restore-lazy.h"

int lz_send(int sk, const struct lz_msg *m, int fd1, int fd2, const void *data, size_t len)
{
	union {
		char buf[CMSG_SPACE(2 * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov[2] = {{(void *)m, sizeof(*m)}, {(void *)data, len}};
	struct msghdr mh = {.msg_iov = iov, .msg_iovlen = len ? 2 : 1};
	int fds[2] = {fd1, fd2}, nfd = (fd1 >= 0) + (fd2 >= 0);

	if (fd1 < 0)
		fds[0] = fd2;
	if (nfd) {
		struct cmsghdr *cm;

		memset(&u, 0, sizeof(u));
		mh.msg_control = u.buf;
		mh.msg_controllen = CMSG_SPACE(nfd * sizeof(int));
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(nfd * sizeof(int));
		memcpy(CMSG_DATA(cm), fds, nfd * sizeof(int));
	}
	while (sendmsg(sk, &mh, MSG_NOSIGNAL) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

int lz_recv(int sk, struct lz_msg *m, void *data, size_t max, size_t *len, int fds[2])
{
	union {
		char buf[CMSG_SPACE(2 * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov[2] = {{m, sizeof(*m)}, {data, max}};
	struct msghdr mh = {.msg_iov = iov,
			    .msg_iovlen = max ? 2 : 1,
			    .msg_control = u.buf,
			    .msg_controllen = sizeof(u.buf)};
	ssize_t n;

	fds[0] = fds[1] = -1;
	do
		n = recvmsg(sk, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return 0;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		size_t k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);

		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
			memcpy(fds, CMSG_DATA(cm), (k > 2 ? 2 : k) * sizeof(int));
	}
	if ((size_t)n < sizeof(*m) || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)))
		return -EBADMSG;
	if (len)
		*len = (size_t)n - sizeof(*m);
	return 1;
}
