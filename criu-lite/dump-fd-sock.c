/*
 * Socket fds. AF_UNIX sockets are described by sock_diag (type, state, peer,
 * name, queues); their options are read on a copy of the fd taken with
 * pidfd_getfd(2). Supported: unnamed connected sockets (socketpair) whose
 * peer is in the tree (checked in dump_files_finish); the receive queue of a
 * stream socket goes to sk-queues.img.
 * Everything else fails with "unsupported fd N of PID: ...".
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/net.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <unistd.h>

#include "dump-files.h"
#include "log.h"
#include "sk-packet.pb-c.h"
#include "sock-diag.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

int dump_steal_fd(pid_t pid, int fd)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0), ret;

	if (pidfd < 0)
		return -errno;
	ret = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	if (ret < 0)
		ret = -errno;
	close(pidfd);
	return ret;
}

static const char *family_name(int fam)
{
	switch (fam) {
	case AF_INET:
	case AF_INET6:
		return "inet socket";
	case AF_NETLINK:
		return "netlink socket";
	case AF_PACKET:
		return "packet socket";
	case AF_UNIX:
		return "unix socket";
	default:
		return "socket";
	}
}

int dump_sk_opts(int sk, SkOptsEntry *o)
{
	struct timeval snd, rcv;
	socklen_t len;
	int sndbuf = 0, rcvbuf = 0, passcred = 0;

	len = sizeof(int);
	if (getsockopt(sk, SOL_SOCKET, SO_SNDBUF, &sndbuf, &len))
		return -errno;
	len = sizeof(int);
	if (getsockopt(sk, SOL_SOCKET, SO_RCVBUF, &rcvbuf, &len))
		return -errno;
	len = sizeof(snd);
	if (getsockopt(sk, SOL_SOCKET, SO_SNDTIMEO, &snd, &len))
		return -errno;
	len = sizeof(rcv);
	if (getsockopt(sk, SOL_SOCKET, SO_RCVTIMEO, &rcv, &len))
		return -errno;
	len = sizeof(int);
	/* Only unix and netlink sockets have SO_PASSCRED on recent kernels. */
	if (getsockopt(sk, SOL_SOCKET, SO_PASSCRED, &passcred, &len) && errno != EOPNOTSUPP &&
	    errno != ENOPROTOOPT)
		return -errno;
	o->so_sndbuf = (uint32_t)sndbuf;
	o->so_rcvbuf = (uint32_t)rcvbuf;
	o->so_snd_tmo_sec = (uint64_t)snd.tv_sec;
	o->so_snd_tmo_usec = (uint64_t)snd.tv_usec;
	o->so_rcv_tmo_sec = (uint64_t)rcv.tv_sec;
	o->so_rcv_tmo_usec = (uint64_t)rcv.tv_usec;
	o->has_so_passcred = true;
	o->so_passcred = passcred != 0;
	return 0;
}

static int unix_check(const struct fd_desc *d, const struct sock_diag_unix *u)
{
	if (u->name_len)
		return dump_fd_unsupported(d, "unix socket with a name (bound or accepted)");
	if (u->state != 1 /* TCP_ESTABLISHED */ || !u->peer)
		return dump_fd_unsupported(d, "unconnected unix socket");
	/* rqlen counts this socket's receive queue; wqlen is in the peer's. */
	if (u->rqlen && u->type != SOCK_STREAM)
		return dump_fd_unsupported(d, "unix datagram socket with queued data");
	return 0;
}

/*
 * Copies the receive queue of stream socket @sk (our copy of the target's)
 * into sk-queues.img with MSG_PEEK, which leaves it queued. A peek offset set
 * by the target would move under MSG_PEEK, and fds in flight would be lost:
 * both are refused.
 */
static int unix_queue(struct dump_ctx *ctx, const struct fd_desc *d, int sk, uint32_t id,
		      size_t len)
{
	SkPacketEntry pe = SK_PACKET_ENTRY__INIT;
	struct iovec iov;
	struct msghdr mh;
	socklen_t ol = sizeof(int);
	int peek_off = -1, ret = 0;
	ssize_t n;
	char *buf;

	if (getsockopt(sk, SOL_SOCKET, SO_PEEK_OFF, &peek_off, &ol) == 0 && peek_off >= 0)
		return dump_fd_unsupported(d, "unix socket with SO_PEEK_OFF set and queued data");
	buf = malloc(len + 1);
	if (!buf)
		return -ENOMEM;
	memset(&mh, 0, sizeof(mh));
	iov.iov_base = buf;
	iov.iov_len = len + 1; /* one more: a queue longer than sock_diag said shows */
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	n = recvmsg(sk, &mh, MSG_PEEK | MSG_DONTWAIT);
	if (n < 0) {
		ret = -errno;
		pr_err("dump: queued data of socket fd %d of %d: %s", d->fd, d->pid,
		       strerror(errno));
	} else if (mh.msg_flags & MSG_CTRUNC) {
		ret = dump_fd_unsupported(d, "unix socket with fds or credentials in flight");
	} else if ((size_t)n != len) {
		pr_err("dump: socket fd %d of %d: %zd bytes queued, sock_diag said %zu", d->fd,
		       d->pid, n, len);
		ret = -EIO;
	}
	if (!ret && !ctx->skq_img)
		ret = img_open(&ctx->dir, IMG_SK_QUEUES, 0, true, &ctx->skq_img);
	pe.id_for = id;
	pe.length = (uint32_t)len;
	if (!ret)
		ret = img_write_msg(ctx->skq_img, &pe.base);
	if (!ret)
		ret = img_write_raw(ctx->skq_img, buf, len);
	free(buf);
	return ret;
}

static int fd_unix(struct dump_ctx *ctx, const struct fd_desc *d, const struct sock_diag_unix *u,
		   int sk, FileEntry *fe, struct fd_bufs *b)
{
	UnixSkEntry *e = &b->usk;
	int ret;

	ret = unix_check(d, u);
	if (ret)
		return ret;
	ret = dump_sk_opts(sk, &b->skopts);
	if (ret) {
		pr_err("dump: options of socket fd %d of %d: %s", d->fd, d->pid, strerror(-ret));
		return ret;
	}
	e->id = fe->id;
	e->ino = u->ino;
	e->type = u->type;
	e->state = u->state;
	e->flags = d->fi.flags & ~O_CLOEXEC;
	e->peer = u->peer;
	e->fown = &b->fown;
	e->opts = &b->skopts;
	e->name.len = 0;
	e->name.data = NULL;
	e->has_shutdown = true;
	e->shutdown = (SkShutdown)(u->shutdown & 3);
	fe->type = FD_TYPES__UNIXSK;
	fe->usk = e;
	if (u->rqlen)
		return unix_queue(ctx, d, sk, fe->id, u->rqlen);
	return 0;
}

int dump_fd_socket(struct dump_ctx *ctx, const struct fd_desc *d, FileEntry *fe, struct fd_bufs *b)
{
	const struct sock_diag_unix *u;
	socklen_t len = sizeof(int);
	int sk, fam = 0, ret;

	sk = dump_steal_fd(d->pid, d->fd);
	if (sk < 0) {
		pr_err("dump: socket fd %d of %d: pidfd_getfd: %s", d->fd, d->pid, strerror(-sk));
		return sk;
	}
	if (getsockopt(sk, SOL_SOCKET, SO_DOMAIN, &fam, &len)) {
		ret = -errno;
		pr_err("dump: socket fd %d of %d: SO_DOMAIN: %s", d->fd, d->pid, strerror(errno));
		goto out;
	}
	if (fam == AF_INET || fam == AF_INET6) {
		ret = dump_fd_inet(ctx, d, sk, fe, b);
		goto out;
	}
	if (fam != AF_UNIX) {
		ret = dump_fd_unsupported(d, family_name(fam));
		goto out;
	}
	if (!ctx->unix_loaded) {
		ret = sock_diag_unix_list(&ctx->unix_socks, &ctx->nr_unix);
		if (ret) {
			pr_err("dump: unix sockets through sock_diag: %s", strerror(-ret));
			goto out;
		}
		ctx->unix_loaded = true;
	}
	u = sock_diag_unix_find(ctx->unix_socks, ctx->nr_unix, (uint32_t)d->st.st_ino);
	if (!u)
		ret = dump_fd_unsupported(d, "unix socket unknown to sock_diag");
	else
		ret = fd_unix(ctx, d, u, sk, fe, b);
out:
	close(sk);
	return ret;
}
