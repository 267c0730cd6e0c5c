/*
 * Socket fds: the tool's copy of the fd (fd_desc.copy) gives their family
 * and options (helpers of the socket kinds); AF_UNIX sockets are the kind of
 * dump-fd-unix.c, inet ones of dump-fd-inet.c. Every other family is this
 * file's refusal: "unsupported fd N of PID: netlink socket" and the like.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/net.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dump-files.h"
#include "log.h"

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

int dump_sk_family(const struct fd_desc *d, int *fam)
{
	socklen_t len = sizeof(int);

	*fam = -1;
	if (strncmp(d->path, "socket:[", 8))
		return 0;
	if (getsockopt(d->copy, SOL_SOCKET, SO_DOMAIN, fam, &len)) {
		int ret = -errno;

		pr_err("dump: socket fd %d of %d: SO_DOMAIN: %s", d->fd, d->pid, strerror(-ret));
		return ret;
	}
	return 0;
}

static int sock_other_match(const struct fd_desc *d)
{
	return !strncmp(d->path, "socket:[", 8);
}

static int sock_other_dump(struct dump_ctx *ctx, void *st, struct fd_desc *d, FileEntry *fe)
{
	int fam, ret = dump_sk_family(d, &fam);

	return ret ? ret : dump_fd_unsupported(d, family_name(fam));
}

/* Sockets of the families no kind takes. */
const struct fd_dump_ops dump_fd_sock_other = {
	.name = "socket",
	.type = FD_TYPES__UND,
	.match = sock_other_match,
	.dump = sock_other_dump,
};
