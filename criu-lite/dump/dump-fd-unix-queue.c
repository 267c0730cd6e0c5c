/*
 * The receive queue of a unix socket, read without consuming it: the tool's
 * copy of the socket (the same socket as the target's) peeks message after
 * message with SO_PEEK_OFF set to 0, so each MSG_PEEK starts where the last
 * one ended; the target's "no peek offset" (-1) is put back afterwards, on
 * every path. One SkPacketEntry per message keeps datagram and seqpacket
 * boundaries; a stream peek stops where the senders' credentials change, so
 * every entry carries the credentials of its bytes (SCM_CREDENTIALS, seen
 * when the socket has SO_PASSCRED). File descriptors in flight are refused.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "dump-fd-unix.h"
#include "log.h"
#include "sk-packet.pb-c.h"

#ifndef SCM_PIDFD
#define SCM_PIDFD 0x04 /* Linux 6.5 */
#endif
#define SCM_MAX_FD 253	      /* include/net/scm.h */
#define UQ_BUF_MIN (4u << 20) /* above any datagram a default wmem_max lets through */

struct uq {
	struct dump_ctx *ctx;
	struct img **img;
	const struct fd_desc *d;
	uint32_t id;
};

static int uq_write(struct uq *q, const void *buf, size_t len, const struct ucred *cr)
{
	SkPacketEntry pe = SK_PACKET_ENTRY__INIT;
	SkUcredEntry ue = SK_UCRED_ENTRY__INIT;
	int ret = 0;

	if (!*q->img)
		ret = img_open(&q->ctx->dir, IMG_SK_QUEUES, 0, true, q->img);
	pe.id_for = q->id;
	pe.length = (uint32_t)len;
	if (cr) {
		ue.uid = cr->uid;
		ue.gid = cr->gid;
		ue.pid = (uint32_t)cr->pid;
		pe.ucred = &ue;
	}
	if (!ret)
		ret = img_write_msg(*q->img, &pe.base);
	if (!ret)
		ret = img_write_raw(*q->img, buf, len);
	return ret;
}

/* Closes the fds a peek gave the tool (SCM_RIGHTS, SCM_PIDFD). */
static void uq_close_fds(const struct cmsghdr *c)
{
	size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);

	for (size_t i = 0; i < n; i++) {
		int fd;

		memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
		close(fd);
	}
}

/* The control messages of one peeked message: *has_cr when it carries credentials. */
static int uq_cmsgs(const struct fd_desc *d, struct msghdr *mh, struct ucred *cr, bool *has_cr)
{
	bool rights = false;

	*has_cr = false;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level != SOL_SOCKET)
			continue;
		if (c->cmsg_type == SCM_RIGHTS || c->cmsg_type == SCM_PIDFD) {
			rights |= c->cmsg_type == SCM_RIGHTS;
			uq_close_fds(c);
		} else if (c->cmsg_type == SCM_CREDENTIALS &&
			   c->cmsg_len >= CMSG_LEN(sizeof(*cr))) {
			memcpy(cr, CMSG_DATA(c), sizeof(*cr));
			*has_cr = true;
		}
	}
	if (rights || (mh->msg_flags & MSG_CTRUNC))
		return dump_fd_unsupported(d, "unix socket with file descriptors in flight "
					      "(SCM_RIGHTS) in its receive queue");
	return 0;
}

/*
 * Peeks and writes every queued message of socket @u; *total: the bytes,
 * *first: the first one's.
 */
static int uq_peek_all(struct uq *q, int sk, const struct sock_diag_unix *u, char *buf, size_t cap,
		       size_t *total, ssize_t *first)
{
	union {
		char b[CMSG_SPACE(sizeof(int) * SCM_MAX_FD) + CMSG_SPACE(sizeof(struct ucred)) +
		       CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	const struct fd_desc *d = q->d;
	int ret = 0;

	for (;;) {
		struct iovec iov = {buf, cap};
		struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
		struct ucred cr;
		bool has_cr;
		ssize_t n;

		mh.msg_control = ctl.b;
		mh.msg_controllen = sizeof(ctl.b);
		n = recvmsg(sk, &mh, MSG_PEEK | MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n < 0) {
			ret = -errno;
			pr_err("dump: queued data of socket fd %d of %d: %s", d->fd, d->pid,
			       strerror(errno));
			return ret;
		}
		ret = uq_cmsgs(d, &mh, &cr, &has_cr);
		if (ret)
			return ret;
		/* The end of a connection the peer shut down (closed): every byte seen. */
		if (n == 0 && u->type != SOCK_DGRAM && (u->shutdown & 1) && *total == u->rqlen)
			return 0;
		/* A peek offset does not move past an empty message: it would come again. */
		if (n == 0)
			return dump_fd_unsupported(d, "unix socket with an empty message queued");
		if (mh.msg_flags & MSG_TRUNC)
			return dump_fd_unsupported(d,
						   "unix socket with a message above 4 MiB queued");
		if (*first < 0)
			*first = n;
		*total += (size_t)n;
		ret = uq_write(q, buf, (size_t)n, has_cr ? &cr : NULL);
		if (ret)
			return ret;
	}
}

int unix_queue_dump(struct dump_ctx *ctx, struct img **img, const struct fd_desc *d, int sk,
		    uint32_t id, const struct sock_diag_unix *u)
{
	uint32_t rqlen = u->rqlen;
	int type = u->type;
	struct uq q = {ctx, img, d, id};
	int off = -1, zero = 0, ret;
	socklen_t ol = sizeof(off);
	size_t cap = (size_t)rqlen + 1 > UQ_BUF_MIN ? (size_t)rqlen + 1 : UQ_BUF_MIN, total = 0;
	ssize_t first = -1;
	char *buf;

	if (getsockopt(sk, SOL_SOCKET, SO_PEEK_OFF, &off, &ol) == 0 && off >= 0)
		return dump_fd_unsupported(d, "unix socket with SO_PEEK_OFF set and queued data");
	buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	if (setsockopt(sk, SOL_SOCKET, SO_PEEK_OFF, &zero, sizeof(zero))) {
		ret = -errno;
		pr_err("dump: socket fd %d of %d: SO_PEEK_OFF: %s", d->fd, d->pid, strerror(errno));
		free(buf);
		return ret;
	}
	ret = uq_peek_all(&q, sk, u, buf, cap, &total, &first);
	/* The target's socket had no peek offset: it gets none back. */
	off = -1;
	if (setsockopt(sk, SOL_SOCKET, SO_PEEK_OFF, &off, sizeof(off)))
		pr_warn("dump: socket fd %d of %d: cannot clear SO_PEEK_OFF again: %s", d->fd,
			d->pid, strerror(errno));
	free(buf);
	/* sock_diag counts a stream's bytes, but only a datagram socket's first message. */
	if (!ret && (type == SOCK_DGRAM ? first >= 0 && (size_t)first != rqlen : total != rqlen)) {
		pr_err("dump: socket fd %d of %d: %zu bytes queued, sock_diag said %u", d->fd,
		       d->pid, type == SOCK_DGRAM ? (size_t)first : total, rqlen);
		ret = -EIO;
	}
	return ret;
}
