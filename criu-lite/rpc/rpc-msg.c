/*
 * One rpc.proto message per SOCK_SEQPACKET packet, as criu's clients send
 * them: the length is peeked first, so an oversized packet is drained and
 * refused without reading it whole.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "rpc-int.h"

/* Closes fds a client passed with SCM_RIGHTS: criu-lite takes fds by number only. */
static void rpc_drop_fds(struct msghdr *mh)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		int *fds = (int *)CMSG_DATA(c);
		size_t n;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++)
			close(fds[i]);
	}
}

static ssize_t rpc_recvmsg(int sk, void *buf, size_t len, int flags)
{
	char cbuf[CMSG_SPACE(16 * sizeof(int))];
	struct iovec iov = {.iov_base = buf, .iov_len = len};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = cbuf,
			    .msg_controllen = sizeof(cbuf)};
	ssize_t n;

	do
		n = recvmsg(sk, &mh, flags | MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n >= 0 && !(flags & MSG_PEEK))
		rpc_drop_fds(&mh);
	return n < 0 ? -errno : n;
}

int rpc_recv(int sk, CriuReq **req)
{
	ssize_t len, n;
	uint8_t one, *buf;

	*req = NULL;
	len = rpc_recvmsg(sk, &one, 1, MSG_PEEK | MSG_TRUNC);
	if (len == 0 || len == -ECONNRESET)
		return -ECONNRESET;
	if (len < 0)
		return (int)len;
	if (len > RPC_MSG_MAX) {
		rpc_recvmsg(sk, &one, 1, 0); /* the rest of the packet is discarded */
		return -EMSGSIZE;
	}
	buf = malloc((size_t)len);
	if (!buf)
		return -ENOMEM;
	n = rpc_recvmsg(sk, buf, (size_t)len, 0);
	if (n == len)
		*req = criu_req__unpack(NULL, (size_t)n, buf);
	free(buf);
	if (n < 0)
		return (int)n;
	return *req ? 0 : -EBADMSG;
}

/* @resp in one packet, with @fd attached (SCM_RIGHTS) unless it is -1. */
static int rpc_send_fd(int sk, const CriuResp *resp, int fd)
{
	size_t len = criu_resp__get_packed_size(resp);
	uint8_t *buf = malloc(len ? len : 1);
	char cbuf[CMSG_SPACE(sizeof(int))] = {0};
	struct iovec iov = {buf, len};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	struct cmsghdr *cm;
	ssize_t n;

	if (!buf)
		return -ENOMEM;
	criu_resp__pack(resp, buf);
	if (fd >= 0) {
		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof(cbuf);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	do
		n = sendmsg(sk, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	free(buf);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EMSGSIZE;
}

int rpc_send(int sk, const CriuResp *resp)
{
	return rpc_send_fd(sk, resp, -1);
}

/* NOTIFY round trip for @stage, with @pid and @fd when set. */
static int rpc_notify_one(struct rpc_req *r, const char *stage, pid_t pid, int fd)
{
	CriuResp resp = CRIU_RESP__INIT;
	CriuNotify nt = CRIU_NOTIFY__INIT;
	CriuReq *ans;
	int ret;

	resp.type = CRIU_REQ_TYPE__NOTIFY;
	resp.success = true;
	resp.notify = &nt;
	nt.script = (char *)stage;
	if (pid) {
		nt.has_pid = true;
		nt.pid = pid;
	}
	ret = rpc_send_fd(r->sk, &resp, fd);
	if (!ret)
		ret = rpc_recv(r->sk, &ans);
	if (ret == -EPIPE)
		ret = -ECONNRESET;
	if (ret)
		return ret;
	if (ans->type != CRIU_REQ_TYPE__NOTIFY || !ans->notify_success)
		ret = -ECANCELED;
	criu_req__free_unpacked(ans, NULL);
	return ret;
}

int rpc_notify(void *arg, const char *stage, pid_t pid)
{
	return rpc_notify_one(arg, stage, pid, -1);
}

int rpc_notify_fd(void *arg, const char *stage, int fd)
{
	return rpc_notify_one(arg, stage, 0, fd);
}
