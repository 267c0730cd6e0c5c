/*
 * Restore: unix sockets. Sockets that own a name were created and bound
 * before any other file (restore-unix-named.c). Of a connected pair, both
 * ends are in the image set (dump refuses anything else but a datagram
 * socket connected to a named peer outside the tree, --ext-unix-sk); the
 * first end met creates the pair and hands the other fd to its peer's file
 * object: a socketpair when neither end has a name, else a connection
 * through a listener at the accepted end's name (restore-unix-named.c). An
 * unnamed datagram socket connects to its named peer. A client whose
 * connection waited in a listener's queue (its recorded peer is the
 * listener) connects to the restored listener once every other pair is made
 * (rst_unix_finish), so it is queued again and no pair is accept()ed in its
 * place. Unconnected sockets are only created. Each socket gets its recorded
 * options first (buffer sizes that differ from a new socket's, timeouts,
 * SO_PASSCRED): a queue the process could hold with its bigger buffer would
 * not fit into a default one. Queued data comes once the tree exists
 * (restore-unix-queue.c).
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

static bool rst_unix_supported(const FileEntry *fe)
{
	return fe->usk != NULL;
}

#define USK_ESTABLISHED 1 /* TCP_ESTABLISHED */
#define USK_LISTEN 10	  /* TCP_LISTEN */

/*
 * A socket of its own: an unnamed datagram socket (connected to its peer's
 * name, if it has a peer), an unconnected unnamed one, or a client whose
 * connection waits in a listener's queue (connected at finish).
 */
static int rst_unix_single(struct rst_ctx *c, const FileEntry *fe, int *fdp)
{
	int sk = socket(AF_UNIX, (int)fe->usk->type | SOCK_CLOEXEC, 0), ret;

	if (sk < 0) {
		pr_err("unix socket %u: socket: %s", fe->id, strerror(errno));
		return -errno;
	}
	ret = rst_unix_opts(fe, sk);
	if (!ret && fe->usk->peer && fe->usk->type == SOCK_DGRAM)
		ret = rst_unix_dgram_connect(c, fe, sk);
	if (ret) {
		close(sk);
		return ret;
	}
	*fdp = sk;
	return 0;
}

/* Whether @fe is a client whose connection waits in the queue of listener @pe. */
static bool rst_unix_pending(const FileEntry *fe, const UnixSkEntry *pe)
{
	return fe->usk->type != SOCK_DGRAM && fe->usk->state == USK_ESTABLISHED && pe &&
	       pe->state == USK_LISTEN;
}

/* A connected socket whose peer was closed: connected to a helper closed later. */
static int rst_unix_half_closed(struct rst_ctx *c, const FileEntry *fe, int *fdp)
{
	int sv[2] = {-1, -1}, ret;

	if (fe->usk->name.len) {
		ret = rst_unix_pair_to_closed(c, fe, &sv[0], &sv[1]);
	} else if (socketpair(AF_UNIX, (int)fe->usk->type | SOCK_CLOEXEC, 0, sv)) {
		ret = -errno;
		pr_err("unix socket %u: socketpair: %s", fe->id, strerror(errno));
	} else {
		ret = rst_unix_opts(fe, sv[0]);
	}
	if (!ret)
		ret = rst_unix_helper_add(c, fe->id, sv[1]);
	if (ret) {
		if (sv[0] >= 0)
			close(sv[0]);
		if (sv[1] >= 0)
			close(sv[1]);
		return ret;
	}
	*fdp = sv[0];
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
	/* A datagram socket connected to a peer since closed: the helper stands for it. */
	if (fe->usk->type == SOCK_DGRAM && fe->usk->state == USK_ESTABLISHED && !fe->usk->peer)
		return rst_unix_half_closed(c, fe, fdp);
	/* A socketpair: both ends unnamed and each other's peer. */
	if (fe->usk->type == SOCK_DGRAM &&
	    (!pe || pe->name.len || pe->peer != fe->usk->ino || peer->fd >= 0))
		return rst_unix_single(c, fe, fdp);
	if (fe->usk->state != USK_ESTABLISHED)
		return rst_unix_single(c, fe, fdp);
	if (rst_unix_pending(fe, pe)) {
		if (!fe->usk->name.len)
			return rst_unix_single(c, fe, fdp);
		pr_err("unix socket %u: a client bound to a name of its own, waiting in a "
		       "listener's queue, is not supported",
		       fe->id);
		return -EOPNOTSUPP;
	}
	if (!fe->usk->peer)
		return rst_unix_half_closed(c, fe, fdp);
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

/* Every pair is made: the clients of listeners' queues connect (the listener does not accept). */
static int rst_unix_finish(struct rst_ctx *c)
{
	int ret = 0;

	for (size_t i = 0; !ret && i < c->nr_files; i++) {
		const FileEntry *fe = c->files[i].fe;
		const struct rst_file *l;

		if (c->files[i].fd < 0 || fe->type != FD_TYPES__UNIXSK || !fe->usk->peer)
			continue;
		l = rst_unix_peer(c, fe->usk);
		if (rst_unix_pending(fe, l ? l->fe->usk : NULL))
			ret = rst_unix_connect_to(fe->usk, c->files[i].fd, l->fe->usk);
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
	.unheld = rst_unix_in_flight,
	.finish = rst_unix_finish,
	.init = rst_unix_state_new,
	.fini = rst_unix_state_free,
	.close = rst_unix_state_close,
	.fown = rst_unix_fown,
};
