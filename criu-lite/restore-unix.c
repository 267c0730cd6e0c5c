/*
 * Restore: unix socketpairs. Both ends are in the image set (dump refuses
 * anything else); the first end met creates the pair and hands the other
 * fd to its peer's file object. Queued stream bytes (sk-queues.img, under
 * the id of the socket whose receive queue held them) are written into the
 * peer, then shutdowns and O_NONBLOCK are applied.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "restore.h"

#include "sk-packet.pb-c.h"

bool rst_unix_supported(const FileEntry *fe)
{
	return fe->usk && fe->usk->name.len == 0 && fe->usk->peer;
}

static struct rst_file *rst_unix_peer(struct rst_ctx *c, const UnixSkEntry *u)
{
	for (size_t i = 0; i < c->nr_files; i++) {
		const FileEntry *fe = c->files[i].fe;

		if (fe->type == FD_TYPES__UNIXSK && fe->usk && fe->usk->ino == u->peer)
			return &c->files[i];
	}
	return NULL;
}

int rst_unix_open(struct rst_ctx *c, const FileEntry *fe, int *fdp)
{
	struct rst_file *peer = rst_unix_peer(c, fe->usk);
	int sv[2];

	if (!peer || peer->fd >= 0) {
		pr_err("unix socket %u (inode %u): its peer %u is not in the image set", fe->id,
		       fe->usk->ino, fe->usk->peer);
		return -EINVAL;
	}
	if (socketpair(AF_UNIX, (int)fe->usk->type | SOCK_CLOEXEC, 0, sv)) {
		pr_err("unix socket %u: socketpair: %s", fe->id, strerror(errno));
		return -errno;
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
		if (!ret && write(pfd, buf, p->length) != (ssize_t)p->length)
			ret = -EIO;
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

int rst_unix_finish(struct rst_ctx *c)
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
