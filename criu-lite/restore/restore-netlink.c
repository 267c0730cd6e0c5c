/*
 * Restore: netlink sockets, created by the tool: bound to the recorded port
 * id and the first 32 multicast groups, joined to the groups above those
 * (NETLINK_ADD_MEMBERSHIP), connected to the recorded peer, then the buffer
 * sizes the process had set, SO_PASSCRED, timeouts and O_NONBLOCK.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "log.h"
#include "restore-fd.h"

static bool rst_netlink_check(const FileEntry *fe)
{
	return fe->nlsk && fe->nlsk->opts;
}

static int set_int(int sk, int level, int name, int v)
{
	return setsockopt(sk, level, name, &v, sizeof(v)) ? -errno : 0;
}

static int rst_netlink_place(int sk, const NetlinkSkEntry *e, const char **what)
{
	struct sockaddr_nl a = {.nl_family = AF_NETLINK};

	*what = "bind";
	a.nl_pid = e->portid;
	a.nl_groups = e->n_groups ? e->groups[0] : 0;
	if ((a.nl_pid || a.nl_groups) && bind(sk, (struct sockaddr *)&a, sizeof(a)))
		return -errno;
	*what = "NETLINK_ADD_MEMBERSHIP";
	for (size_t w = 1; w < e->n_groups; w++)
		for (unsigned int b = 0; b < 32; b++)
			if ((e->groups[w] >> b) & 1 &&
			    set_int(sk, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, (int)(w * 32 + b + 1)))
				return -errno;
	*what = "connect";
	if (e->state) {
		a.nl_pid = e->dst_portid;
		a.nl_groups = e->dst_group && e->dst_group <= 32 ? 1u << (e->dst_group - 1) : 0;
		if (connect(sk, (struct sockaddr *)&a, sizeof(a)))
			return -errno;
	}
	return 0;
}

static int rst_netlink_opts(int sk, const SkOptsEntry *o)
{
	uint32_t lock = o->has_so_buf_lock ? o->so_buf_lock : 0;
	struct timeval snd = {(time_t)o->so_snd_tmo_sec, (suseconds_t)o->so_snd_tmo_usec};
	struct timeval rcv = {(time_t)o->so_rcv_tmo_sec, (suseconds_t)o->so_rcv_tmo_usec};
	int ret = 0;

	if (lock & 1)
		ret = set_int(sk, SOL_SOCKET, SO_SNDBUF, (int)(o->so_sndbuf / 2));
	if (!ret && (lock & 2))
		ret = set_int(sk, SOL_SOCKET, SO_RCVBUF, (int)(o->so_rcvbuf / 2));
	if (!ret && o->has_so_passcred && o->so_passcred)
		ret = set_int(sk, SOL_SOCKET, SO_PASSCRED, 1);
	if (!ret && (snd.tv_sec || snd.tv_usec) &&
	    setsockopt(sk, SOL_SOCKET, SO_SNDTIMEO, &snd, sizeof(snd)))
		ret = -errno;
	if (!ret && (rcv.tv_sec || rcv.tv_usec) &&
	    setsockopt(sk, SOL_SOCKET, SO_RCVTIMEO, &rcv, sizeof(rcv)))
		ret = -errno;
	return ret;
}

static int rst_netlink_open(struct rst_ctx *c, const struct rst_task *t, const FileEntry *fe,
			    int *fdp)
{
	const NetlinkSkEntry *e = fe->nlsk;
	const char *what = "socket";
	int sk, ret = 0;

	sk = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, (int)e->protocol);
	if (sk < 0)
		ret = -errno;
	if (!ret)
		ret = rst_netlink_place(sk, e, &what);
	if (!ret) {
		what = "options";
		ret = rst_netlink_opts(sk, e->opts);
	}
	if (!ret && (e->flags & O_NONBLOCK) && fcntl(sk, F_SETFL, O_NONBLOCK))
		ret = -errno;
	if (ret) {
		pr_err("netlink socket %u (inode %u, protocol %u, port id %u): %s: %s", fe->id,
		       e->ino, e->protocol, e->portid, what, strerror(-ret));
		if (sk >= 0)
			close(sk);
		return ret;
	}
	*fdp = sk;
	return 0;
}

RST_FD_FOWN(rst_netlink_fown, nlsk)

const struct fd_rst_ops rst_fd_netlink = {
	.name = "netlink socket",
	.type = FD_TYPES__NETLINKSK,
	.check = rst_netlink_check,
	.open = rst_netlink_open,
	.fown = rst_netlink_fown,
};
