/*
 * Restore: what unix sockets had queued (sk-queues.img, one entry per
 * message under the id of the socket whose receive queue held it), sent
 * again once every process exists: a message that carried its sender's
 * credentials gets them back through SCM_CREDENTIALS, and the kernel takes a
 * pid there only when that process exists (the tool may name any pid, uid
 * and gid, being root). The sender is the socket's peer (stream, seqpacket,
 * a datagram peer connected back); a datagram socket that receives from
 * anyone gets its messages through a socket of the tool, sent to its name.
 * Never blocking: a queue that does not fit fails the restore instead of
 * hanging it. Then shutdowns and O_NONBLOCK, which would refuse or change
 * those sends, are applied.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "array.h"
#include "log.h"
#include "restore-fd.h"
#include "sk-packet.pb-c.h"

#define RQ_MAX_FD 253 /* SCM_MAX_FD, include/net/scm.h: the most one message carries */

/* Where one queue's messages are sent from. */
struct rq_sender {
	int fd;		       /* the sending socket */
	int tmp;	       /* the tool's own socket, closed after the queue, or -1 */
	const UnixSkEntry *to; /* the receiver to name (sendto), or NULL (send) */
};

static int rq_fd(const struct rst_ctx *c, uint32_t id, const FileEntry **fe)
{
	for (size_t i = 0; i < c->nr_files; i++) {
		if (c->files[i].fe->id == id && c->files[i].fe->type == FD_TYPES__UNIXSK) {
			*fe = c->files[i].fe;
			return c->files[i].fd;
		}
	}
	return -1;
}

static int rq_sender_of(struct rst_ctx *c, const FileEntry *r, struct rq_sender *s)
{
	const struct rst_file *p = r->usk->peer ? rst_unix_peer(c, r->usk) : NULL;

	s->tmp = -1;
	s->to = NULL;
	/* A connection whose peer was closed: the helper standing for it. */
	if (!r->usk->peer) {
		s->fd = rst_unix_helper_fd(c, r->id);
		if (s->fd >= 0)
			return 0;
	}
	if (p && p->fd >= 0) {
		s->fd = p->fd;
		/* A datagram peer connected elsewhere (or nowhere) names the receiver. */
		if (r->usk->type == SOCK_DGRAM && p->fe->usk->peer != r->usk->ino)
			s->to = r->usk;
		return 0;
	}
	if (r->usk->type == SOCK_DGRAM && !r->usk->peer && r->usk->name.len) {
		s->tmp = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (s->tmp < 0)
			return -errno;
		s->fd = s->tmp;
		s->to = r->usk;
		return 0;
	}
	pr_err("unix socket %u: no socket to send its queued data from", r->id);
	return -EINVAL;
}

/* The tool's descriptors of the files in flight of @p, each once opened. */
static int rq_rights(const struct rst_ctx *c, const SkPacketEntry *p, int *fds, size_t *n)
{
	*n = 0;
	for (size_t i = 0; i < p->n_scm; i++) {
		for (size_t j = 0; j < p->scm[i]->n_rights; j++) {
			int k = rst_file_index(c, p->scm[i]->rights[j]);

			if (k < 0 || c->files[k].fd < 0 || *n == RQ_MAX_FD)
				return -EBADF;
			fds[(*n)++] = c->files[k].fd;
		}
	}
	return 0;
}

/* Fills @mh's control data: the sender's credentials, the files in flight. */
static int rq_cmsgs(const struct rst_ctx *c, const SkPacketEntry *p, struct msghdr *mh)
{
	int fds[RQ_MAX_FD];
	struct cmsghdr *cm;
	size_t nfds;
	int ret = rq_rights(c, p, fds, &nfds);

	if (ret)
		return ret;
	mh->msg_controllen = (p->ucred ? CMSG_SPACE(sizeof(struct ucred)) : 0) +
			     (nfds ? CMSG_SPACE(sizeof(int) * nfds) : 0);
	if (!mh->msg_controllen) {
		mh->msg_control = NULL;
		return 0;
	}
	memset(mh->msg_control, 0, mh->msg_controllen);
	cm = CMSG_FIRSTHDR(mh);
	if (p->ucred) {
		struct ucred cr = {(pid_t)p->ucred->pid, p->ucred->uid, p->ucred->gid};

		/* A sender gone for good: the message comes from the tool. */
		if (cr.pid <= 0 || (kill(cr.pid, 0) && errno == ESRCH)) {
			pr_warn("unix socket %u: the sender %d of a queued message is gone: its "
				"credentials name the tool",
				p->id_for, cr.pid);
			cr.pid = getpid();
		}
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_CREDENTIALS;
		cm->cmsg_len = CMSG_LEN(sizeof(cr));
		memcpy(CMSG_DATA(cm), &cr, sizeof(cr));
		cm = CMSG_NXTHDR(mh, cm);
	}
	if (nfds) {
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * nfds);
	}
	return 0;
}

/* One message, with its sender's credentials and its files in flight when it had them. */
static int rq_send(const struct rst_ctx *c, const struct rq_sender *s, const SkPacketEntry *p,
		   const void *buf)
{
	union {
		char b[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int) * RQ_MAX_FD)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = {(void *)buf, p->length};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.b};
	struct sockaddr_un sa;
	int back = -1, ret;
	ssize_t n;

	ret = rq_cmsgs(c, p, &mh);
	if (ret)
		return ret;
	if (s->to && (rst_unix_addr(s->to, &sa, &mh.msg_namelen) || rst_unix_enter(s->to, &back)))
		return -ENAMETOOLONG;
	if (s->to)
		mh.msg_name = &sa;
	n = sendmsg(s->fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n != (ssize_t)p->length)
		ret = n >= 0 || errno == EAGAIN ? -ENOBUFS : -errno;
	rst_unix_leave(back);
	return ret;
}

/* One entry: the message read and sent into socket @id_for. */
static int rq_one(struct rst_ctx *c, struct img *img, const SkPacketEntry *p)
{
	const FileEntry *fe = NULL;
	struct rq_sender s = {-1, -1, NULL};
	char *buf = malloc(p->length ? p->length : 1);
	int ret = buf ? img_read_raw(img, buf, p->length) : -ENOMEM;

	if (!ret && rq_fd(c, p->id_for, &fe) < 0)
		ret = -EINVAL;
	if (!ret)
		ret = rq_sender_of(c, fe, &s);
	if (!ret)
		ret = rq_send(c, &s, p, buf);
	if (ret)
		pr_err("unix socket %u: cannot queue %u bytes: %s", p->id_for, p->length,
		       strerror(-ret));
	if (s.tmp >= 0)
		close(s.tmp);
	free(buf);
	return ret;
}

static int rq_all(struct rst_ctx *c)
{
	ProtobufCMessage *m;
	struct img *img;
	int ret;

	ret = img_open(&c->dir, IMG_SK_QUEUES, 0, false, &img);
	if (ret == -ENOENT)
		return 0;
	if (ret)
		return ret;
	while ((ret = img_read_msg(img, &sk_packet_entry__descriptor, &m)) == 1) {
		ret = rq_one(c, img, (SkPacketEntry *)m);
		img_free_msg(m);
		if (ret)
			break;
	}
	img_close(img);
	return ret < 0 ? ret : 0;
}

/* The files in flight of one entry into @v. */
static int rq_entry_rights(struct img *img, const SkPacketEntry *p, struct rst_unheld **v,
			   size_t *n)
{
	char *buf = malloc(p->length ? p->length : 1);
	int ret = buf ? img_read_raw(img, buf, p->length) : -ENOMEM;

	free(buf);
	for (size_t i = 0; !ret && i < p->n_scm; i++) {
		if (p->scm[i]->type != SCM_RIGHTS) {
			pr_err("unix socket %u: a queued message with control data of type %u, "
			       "which restore does not know",
			       p->id_for, p->scm[i]->type);
			return -EINVAL;
		}
		for (size_t j = 0; !ret && j < p->scm[i]->n_rights; j++) {
			if (ARRAY_GROW(*v, *n))
				return -ENOMEM;
			(*v)[(*n)++] = (struct rst_unheld){p->scm[i]->rights[j], p->id_for};
		}
	}
	return ret;
}

int rst_unix_in_flight(struct rst_ctx *c, struct rst_unheld **v, size_t *n)
{
	ProtobufCMessage *m;
	struct img *img;
	int ret = img_open(&c->dir, IMG_SK_QUEUES, 0, false, &img);

	if (ret == -ENOENT)
		return 0;
	if (ret)
		return ret;
	while ((ret = img_read_msg(img, &sk_packet_entry__descriptor, &m)) == 1) {
		ret = rq_entry_rights(img, (SkPacketEntry *)m, v, n);
		img_free_msg(m);
		if (ret)
			break;
	}
	img_close(img);
	return ret < 0 ? ret : 0;
}

int rst_unix_after_tree(struct rst_ctx *c)
{
	int ret = rq_all(c);

	/* The closed peers close: their sockets read the queue, then EOF. */
	rst_unix_helpers_done(c);
	for (size_t i = 0; !ret && c->files && i < c->nr_files; i++) {
		const FileEntry *fe = c->files[i].fe;
		int fd = c->files[i].fd;

		if (fd < 0 || fe->type != FD_TYPES__UNIXSK)
			continue;
		/* SkShutdown READ 1, WRITE 2, BOTH 3 map to SHUT_RD 0, SHUT_WR 1, SHUT_RDWR 2. */
		if (fe->usk->has_shutdown && fe->usk->shutdown)
			shutdown(fd, (int)fe->usk->shutdown - 1);
		if (fe->usk->flags & O_NONBLOCK)
			fcntl(fd, F_SETFL, O_NONBLOCK);
	}
	return ret;
}
