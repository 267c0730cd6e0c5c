/*
 * The receive queue of a unix socket, read without consuming it: the tool's
 * copy of the socket (the same socket as the target's) peeks message after
 * message with SO_PEEK_OFF set to 0, so each MSG_PEEK starts where the last
 * one ended; the target's "no peek offset" (-1) is put back afterwards, on
 * every path. One SkPacketEntry per message keeps datagram and seqpacket
 * boundaries; a stream peek stops where the senders' credentials change, so
 * every entry carries the credentials of its bytes (SCM_CREDENTIALS, seen
 * when the socket has SO_PASSCRED). Files in flight (SCM_RIGHTS) come to the
 * tool with the peek (the kernel installs a copy of each): a queue that has
 * any is held until every fd of the tree is known, then each of its files is
 * dumped as an open file and the message records their ids (scm).
 *
 * A stream peek ends after the message that carries files, but it also reads
 * the messages without files before it, and no peek tells where they end:
 * the kernel goes on to the next message even once the buffer is full (with
 * nothing left to copy), and attaches its files. So such bytes come back as
 * one message with the files (as with CRIU): a receiver gets them with the
 * first of those bytes instead of with their own.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "array.h"
#include "dump-fd-unix.h"
#include "log.h"
#include "sk-packet.pb-c.h"

#ifndef SCM_PIDFD
#define SCM_PIDFD 0x04 /* Linux 6.5 */
#endif
#define SCM_MAX_FD 253	      /* include/net/scm.h */
#define UQ_BUF_MIN (4u << 20) /* above any datagram a default wmem_max lets through */

/* Room for everything a peek may bring: SCM_MAX_FD fds, credentials, a pidfd. */
union uq_ctl {
	char b[CMSG_SPACE(sizeof(int) * SCM_MAX_FD) + CMSG_SPACE(sizeof(struct ucred)) +
	       CMSG_SPACE(sizeof(int))];
	struct cmsghdr align;
};

/* One queue being read. */
struct uq {
	const struct fd_desc *d;
	const struct sock_diag_unix *u;
	int sk;
	struct unix_msg *msgs;
	size_t nr_msgs;
	bool rights; /* a message carries files in flight */
};

static void uq_msg_fini(struct unix_msg *m)
{
	free(m->data);
	for (uint32_t i = 0; i < m->nr_fds; i++)
		if (m->fds[i] >= 0)
			close(m->fds[i]);
	free(m->fds);
	memset(m, 0, sizeof(*m));
}

static void uq_msgs_free(struct unix_msg *msgs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		uq_msg_fini(&msgs[i]);
	free(msgs);
}

/* One entry: the message and, when it carries files in flight, their ids @ids. */
static int uq_write(struct dump_ctx *ctx, struct img **img, uint32_t id, const struct unix_msg *m,
		    uint32_t *ids)
{
	SkPacketEntry pe = SK_PACKET_ENTRY__INIT;
	SkUcredEntry ue = SK_UCRED_ENTRY__INIT;
	ScmEntry scm = SCM_ENTRY__INIT, *scms[1] = {&scm};
	int ret = 0;

	if (!*img)
		ret = img_open(&ctx->dir, IMG_SK_QUEUES, 0, true, img);
	pe.id_for = id;
	pe.length = m->len;
	if (m->has_cr) {
		ue.uid = m->cr.uid;
		ue.gid = m->cr.gid;
		ue.pid = (uint32_t)m->cr.pid;
		pe.ucred = &ue;
	}
	if (m->nr_fds) {
		scm.type = SCM_RIGHTS;
		scm.n_rights = m->nr_fds;
		scm.rights = ids;
		pe.n_scm = 1;
		pe.scm = scms;
	}
	if (!ret)
		ret = img_write_msg(*img, &pe.base);
	if (!ret)
		ret = img_write_raw(*img, m->data, m->len);
	return ret;
}

/* The fds of one control message: kept in @m (SCM_RIGHTS, @keep) or closed. */
static int uq_take_fds(const struct cmsghdr *c, struct unix_msg *m, bool keep)
{
	size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
	int *v = keep ? realloc(m->fds, (m->nr_fds + n) * sizeof(int)) : NULL;

	if (v)
		m->fds = v;
	for (size_t i = 0; i < n; i++) {
		int fd;

		memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
		if (v)
			m->fds[m->nr_fds++] = fd;
		else
			close(fd);
	}
	return keep && !v ? -ENOMEM : 0;
}

/* The control messages of one peeked message into @m. */
static int uq_cmsgs(const struct fd_desc *d, struct msghdr *mh, struct unix_msg *m)
{
	int ret = 0;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level != SOL_SOCKET)
			continue;
		if (c->cmsg_type == SCM_RIGHTS || c->cmsg_type == SCM_PIDFD) {
			int r = uq_take_fds(c, m, !ret && c->cmsg_type == SCM_RIGHTS);

			ret = ret ?: r;
		} else if (c->cmsg_type == SCM_CREDENTIALS &&
			   c->cmsg_len >= CMSG_LEN(sizeof(m->cr))) {
			memcpy(&m->cr, CMSG_DATA(c), sizeof(m->cr));
			m->has_cr = true;
		}
	}
	if (!ret && (mh->msg_flags & MSG_CTRUNC))
		return -EMFILE; /* the only way our buffer is too small */
	return ret;
}

/*
 * The tool holds every file in flight until the dump ends: once a peek finds
 * its fd table full, its soft RLIMIT_NOFILE goes up to the hard one (1:
 * raised, peek again). A limit of the tool's own, none of the target's.
 */
static int uq_more_fds(const struct fd_desc *d)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
			return 1;
	}
	return dump_fd_unsupported(d, "unix socket with more file descriptors in flight than "
				      "the tool may open (raise its RLIMIT_NOFILE)");
}

/* Adds message @m (its data copied from @buf) to @q. */
static int uq_add(struct uq *q, struct unix_msg *m, const char *buf)
{
	m->data = malloc(m->len ? m->len : 1);
	if (!m->data || ARRAY_GROW(q->msgs, q->nr_msgs))
		return -ENOMEM;
	memcpy(m->data, buf, m->len);
	q->msgs[q->nr_msgs++] = *m;
	q->rights |= m->nr_fds > 0;
	*m = (struct unix_msg){0};
	return 0;
}

/* Peeks every queued message of @q; *total: the bytes, *first: the first one's. */
static int uq_peek_all(struct uq *q, char *buf, size_t cap, size_t *total, ssize_t *first)
{
	const struct fd_desc *d = q->d;
	const struct sock_diag_unix *u = q->u;
	union uq_ctl ctl;
	int ret = 0;

	for (;;) {
		struct iovec iov = {buf, cap};
		struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
		struct unix_msg m = {0};
		ssize_t n;

		mh.msg_control = ctl.b;
		mh.msg_controllen = sizeof(ctl.b);
		n = recvmsg(q->sk, &mh, MSG_PEEK | MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n < 0) {
			ret = -errno;
			pr_err("dump: queued data of socket fd %d of %d: %s", d->fd, d->pid,
			       strerror(errno));
			return ret;
		}
		ret = uq_cmsgs(d, &mh, &m);
		if (ret == -EMFILE) {
			int off = (int)*total; /* this message again, with room for its files */

			uq_msg_fini(&m);
			ret = uq_more_fds(d);
			if (ret == 1 &&
			    setsockopt(q->sk, SOL_SOCKET, SO_PEEK_OFF, &off, sizeof(off)))
				ret = -errno;
			if (ret == 1)
				continue;
			return ret;
		}
		/* The end of a connection the peer shut down (closed): every byte seen. */
		if (!ret && n == 0 && u->type != SOCK_DGRAM && (u->shutdown & 1) &&
		    *total == u->rqlen) {
			uq_msg_fini(&m);
			return 0;
		}
		/* A peek offset does not move past an empty message: it would come again. */
		if (!ret && n == 0)
			ret = dump_fd_unsupported(d, "unix socket with an empty message queued");
		if (!ret && (mh.msg_flags & MSG_TRUNC))
			ret = dump_fd_unsupported(d,
						  "unix socket with a message above 4 MiB queued");
		m.len = (uint32_t)n;
		if (!ret)
			ret = uq_add(q, &m, buf);
		uq_msg_fini(&m);
		if (ret)
			return ret;
		if (*first < 0)
			*first = n;
		*total += (size_t)n;
	}
}

/* Peeks the whole queue of @q->sk, leaving it without a peek offset, as it was. */
static int uq_read(struct uq *q, size_t *total, ssize_t *first)
{
	const struct fd_desc *d = q->d;
	uint32_t rqlen = q->u->rqlen;
	size_t cap = (size_t)rqlen + 1 > UQ_BUF_MIN ? (size_t)rqlen + 1 : UQ_BUF_MIN;
	int off = -1, zero = 0, ret;
	socklen_t ol = sizeof(off);
	char *buf;

	if (getsockopt(q->sk, SOL_SOCKET, SO_PEEK_OFF, &off, &ol) == 0 && off >= 0)
		return dump_fd_unsupported(d, "unix socket with SO_PEEK_OFF set and queued data");
	buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	if (setsockopt(q->sk, SOL_SOCKET, SO_PEEK_OFF, &zero, sizeof(zero))) {
		ret = -errno;
		pr_err("dump: socket fd %d of %d: SO_PEEK_OFF: %s", d->fd, d->pid, strerror(errno));
		free(buf);
		return ret;
	}
	ret = uq_peek_all(q, buf, cap, total, first);
	/* The target's socket had no peek offset: it gets none back. */
	off = -1;
	if (setsockopt(q->sk, SOL_SOCKET, SO_PEEK_OFF, &off, sizeof(off)))
		pr_warn("dump: socket fd %d of %d: cannot clear SO_PEEK_OFF again: %s", d->fd,
			d->pid, strerror(errno));
	free(buf);
	return ret;
}

/* @q's messages join @held, their fds its files in flight, queued in socket @id of @d. */
static int uq_hold(struct unix_queues_held *held, struct uq *q, const struct fd_desc *d,
		   uint32_t id)
{
	pid_t pid = d->to_pid ?: d->pid; /* a socket in flight: named by the one it rides in */
	int fd = d->to_pid ? d->to_fd : d->fd;

	if (ARRAY_GROW(held->v, held->n))
		return -ENOMEM;
	for (size_t i = 0; i < q->nr_msgs; i++) {
		struct unix_msg *m = &q->msgs[i];

		m->fds_at = held->nr_files;
		for (uint32_t j = 0; j < m->nr_fds; j++) {
			if (ARRAY_GROW(held->files, held->nr_files))
				return -ENOMEM; /* the rest stay in @q, closed by its caller */
			held->files[held->nr_files++] =
				(struct dump_in_flight){m->fds[j], pid, fd, 0};
			m->fds[j] = -1;
		}
	}
	held->v[held->n++] = (struct unix_queue_held){id, q->msgs, q->nr_msgs};
	q->msgs = NULL;
	q->nr_msgs = 0;
	return 0;
}

int unix_queue_dump(struct dump_ctx *ctx, struct img **img, struct unix_queues_held *held,
		    const struct fd_desc *d, int sk, uint32_t id, const struct sock_diag_unix *u)
{
	struct uq q = {.d = d, .u = u, .sk = sk};
	size_t total = 0;
	ssize_t first = -1;
	int ret = uq_read(&q, &total, &first);

	/* sock_diag counts a stream's bytes, but only a datagram socket's first message. */
	if (!ret &&
	    (u->type == SOCK_DGRAM ? first >= 0 && (size_t)first != u->rqlen : total != u->rqlen)) {
		pr_err("dump: socket fd %d of %d: %zu bytes queued, sock_diag said %u", d->fd,
		       d->pid, u->type == SOCK_DGRAM ? (size_t)first : total, u->rqlen);
		ret = -EIO;
	}
	if (!ret && q.rights)
		ret = uq_hold(held, &q, d, id);
	for (size_t i = 0; !ret && i < q.nr_msgs; i++)
		ret = uq_write(ctx, img, id, &q.msgs[i], NULL);
	uq_msgs_free(q.msgs, q.nr_msgs);
	return ret;
}

/* One held message, with the ids its files in flight were dumped under. */
static int uq_write_held(struct dump_ctx *ctx, struct img **img,
			 const struct unix_queues_held *held, uint32_t id, const struct unix_msg *m)
{
	uint32_t *ids = calloc(m->nr_fds ? m->nr_fds : 1, sizeof(*ids));
	int ret = ids ? 0 : -ENOMEM;

	for (uint32_t i = 0; !ret && i < m->nr_fds; i++) {
		ids[i] = held->files[m->fds_at + i].id;
		if (!ids[i])
			ret = -EINVAL; /* the in_flight hook did not run */
	}
	if (!ret)
		ret = uq_write(ctx, img, id, m, ids);
	free(ids);
	return ret;
}

int unix_queues_held_write(struct dump_ctx *ctx, struct img **img, struct unix_queues_held *held)
{
	int ret = 0;

	for (size_t i = 0; !ret && i < held->n; i++) {
		const struct unix_queue_held *h = &held->v[i];

		for (size_t j = 0; !ret && j < h->nr_msgs; j++)
			ret = uq_write_held(ctx, img, held, h->id, &h->msgs[j]);
	}
	return ret;
}

void unix_queues_held_fini(struct unix_queues_held *held)
{
	for (size_t i = 0; i < held->n; i++)
		uq_msgs_free(held->v[i].msgs, held->v[i].nr_msgs);
	for (size_t i = 0; i < held->nr_files; i++)
		close(held->files[i].fd);
	free(held->v);
	free(held->files);
	memset(held, 0, sizeof(*held));
}
