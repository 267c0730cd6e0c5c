/*
 * Restore: unix sockets. Sockets that own a name were created and bound
 * before any other file (restore-unix-named.c). Of a connected pair, both
 * ends are in the image set (dump refuses anything else); the first end met
 * creates the pair and hands the other fd to its peer's file object: a
 * socketpair when neither end has a name, else a connection through a
 * listener at the accepted end's name (restore-unix-named.c). An unnamed
 * datagram socket connects to its named peer. Queued stream bytes (sk-queues.img, under
 * the id of the socket whose receive queue held them) are written into the
 * peer, then shutdowns and O_NONBLOCK are applied. Each end gets its
 * recorded options first (buffer sizes that differ from a new socket's,
 * timeouts, SO_PASSCRED): a stream queue the process could hold with its
 * bigger send buffer would not fit into a default one, and the blocking
 * refill would never end.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "restore-fd.h"

#include "sk-packet.pb-c.h"

static bool rst_unix_supported(const FileEntry *fe)
{
	return fe->usk != NULL;
}

/* An unnamed datagram socket: connected to its peer's name, if it has a peer. */
static int rst_unix_dgram(struct rst_ctx *c, const FileEntry *fe, int *fdp)
{
	int sk = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0), ret;

	if (sk < 0) {
		pr_err("unix socket %u: socket: %s", fe->id, strerror(errno));
		return -errno;
	}
	ret = rst_unix_opts(fe, sk);
	if (!ret && fe->usk->peer)
		ret = rst_unix_dgram_connect(c, fe, sk);
	if (ret) {
		close(sk);
		return ret;
	}
	*fdp = sk;
	return 0;
}

static int rst_unix_open(struct rst_ctx *c, const FileEntry *fe, int *fdp)
{
	struct rst_file *peer = fe->usk->peer ? rst_unix_peer(c, fe->usk) : NULL;
	const UnixSkEntry *pe = peer ? peer->fe->usk : NULL;
	int sv[2], ret;

	if (rst_unix_owns_name(fe->usk)) {
		pr_err("unix socket %u: not bound before the other files", fe->id);
		return -EINVAL;
	}
	/* A socketpair: both ends unnamed and each other's peer. */
	if (fe->usk->type == SOCK_DGRAM &&
	    (!pe || pe->name.len || pe->peer != fe->usk->ino || peer->fd >= 0))
		return rst_unix_dgram(c, fe, fdp);
	if (!peer || peer->fd >= 0) {
		pr_err("unix socket %u (inode %u): its peer %u is not in the image set", fe->id,
		       fe->usk->ino, fe->usk->peer);
		return -EINVAL;
	}
	if (fe->usk->name.len || pe->name.len)
		return rst_unix_pair_named(c, fe, peer, fdp);
	if (socketpair(AF_UNIX, (int)fe->usk->type | SOCK_CLOEXEC, 0, sv)) {
		pr_err("unix socket %u: socketpair: %s", fe->id, strerror(errno));
		return -errno;
	}
	ret = rst_unix_opts(fe, sv[0]);
	if (!ret)
		ret = rst_unix_opts(peer->fe, sv[1]);
	if (ret) {
		close(sv[0]);
		close(sv[1]);
		return ret;
	}
	*fdp = sv[0];
	peer->fd = sv[1];
	return 0;
}

static int rst_unix_fd(const struct rst_ctx *c, uint32_t id, const FileEntry **fe)
{
	for (size_t i = 0; i < c->nr_files; i++) {
		if (c->files[i].fe->id == id && c->files[i].fe->type == FD_TYPES__UNIXSK) {
			*fe = c->files[i].fe;
			return c->files[i].fd;
		}
	}
	return -1;
}

static int rst_unix_queues(struct rst_ctx *c)
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
		SkPacketEntry *p = (SkPacketEntry *)m;
		const FileEntry *fe = NULL, *pfe = NULL;
		char *buf = malloc(p->length ? p->length : 1);
		int fd = rst_unix_fd(c, p->id_for, &fe), pfd = -1;

		if (fe) {
			const struct rst_file *peer = rst_unix_peer(c, fe->usk);

			pfd = peer ? rst_unix_fd(c, peer->fe->id, &pfe) : -1;
		}
		ret = buf ? img_read_raw(img, buf, p->length) : -ENOMEM;
		if (!ret && (fd < 0 || pfd < 0))
			ret = -EINVAL;
		/* Never block: a queue that does not fit is an error, not a hang. */
		if (!ret) {
			ssize_t n = send(pfd, buf, p->length, MSG_DONTWAIT);

			if (n != (ssize_t)p->length)
				ret = n >= 0 || errno == EAGAIN ? -ENOBUFS : -errno;
		}
		if (ret)
			pr_err("unix socket %u: cannot queue %u bytes: %s", p->id_for, p->length,
			       strerror(-ret));
		free(buf);
		img_free_msg(m);
		if (ret)
			break;
	}
	img_close(img);
	return ret < 0 ? ret : 0;
}

static int rst_unix_finish(struct rst_ctx *c)
{
	int ret = rst_unix_queues(c);

	for (size_t i = 0; !ret && i < c->nr_files; i++) {
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

/* The unix socket kind (restore-fd.h): named ones early, the rest on the way, queues last. */
static int rst_unix_open_kind(struct rst_ctx *c, const struct rst_task *t, const FileEntry *fe,
			      int *fdp)
{
	return rst_unix_open(c, fe, fdp);
}

RST_FD_FOWN(rst_unix_fown, usk)

const struct fd_rst_ops rst_fd_unix = {
	.name = "unix socket",
	.type = FD_TYPES__UNIXSK,
	.check = rst_unix_supported,
	.open_early = rst_unix_bound_open,
	.open = rst_unix_open_kind,
	.finish = rst_unix_finish,
	.fown = rst_unix_fown,
};
