/*
 * NETLINK_SOCK_DIAG transport for sock-diag.c and sock-diag-inet.c through
 * libnl-3: libnl owns the socket, the sequence numbers and the reads of a
 * multi-part dump; this file turns its callbacks and error codes into the
 * module's own (a reply callback returning -errno, -errno results). Each
 * family file keeps only its request layout and its reply decoding.
 */
#include <errno.h>
#include <linux/sock_diag.h>
#include <netlink/errno.h>
#include <netlink/handlers.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "sock-diag-nl.h"

int sock_diag_nl_errno(int nlerr)
{
	/* The inverse of libnl's errno -> NLE_* mapping where it is one to one. */
	static const int map[] = {
		[NLE_INTR] = EINTR,
		[NLE_BAD_SOCK] = EBADF,
		[NLE_AGAIN] = EAGAIN,
		[NLE_NOMEM] = ENOMEM,
		[NLE_EXIST] = EEXIST,
		[NLE_INVAL] = EINVAL,
		[NLE_RANGE] = ERANGE,
		[NLE_MSGSIZE] = EMSGSIZE,
		[NLE_OPNOTSUPP] = EOPNOTSUPP,
		[NLE_AF_NOSUPPORT] = EAFNOSUPPORT,
		[NLE_OBJ_NOTFOUND] = ENOENT,
		[NLE_SEQ_MISMATCH] = EPROTO,
		[NLE_MSG_OVERFLOW] = ENOBUFS,
		[NLE_MSG_TRUNC] = EBADMSG,
		[NLE_NOADDR] = EADDRNOTAVAIL,
		[NLE_MSG_TOOSHORT] = EBADMSG,
		[NLE_BUSY] = EBUSY,
		[NLE_PROTO_MISMATCH] = EPROTONOSUPPORT,
		[NLE_NOACCESS] = EACCES,
		[NLE_PERM] = EPERM,
		[NLE_NODEV] = ENODEV,
		/* NLM_F_DUMP_INTR: the table changed while it was dumped; ask again. */
		[NLE_DUMP_INTR] = EAGAIN,
	};
	int e = nlerr < 0 ? -nlerr : nlerr;

	if (e == 0)
		return 0;
	return -((size_t)e < sizeof(map) / sizeof(map[0]) && map[e] ? map[e] : EIO);
}

int sock_diag_nl_open(struct nl_sock **out)
{
	struct nl_sock *sk = nl_socket_alloc();
	int ret;

	*out = NULL;
	if (!sk)
		return -ENOMEM;
	/*
	 * nl_connect() opens the socket with SOCK_CLOEXEC (libnl 3.7). Auto-ACK
	 * stays on: libnl checks sequence numbers only then, and the kernel does
	 * not acknowledge a dump it started (netlink_dump_start() returns -EINTR).
	 */
	ret = nl_connect(sk, NETLINK_SOCK_DIAG);
	if (ret < 0) {
		nl_socket_free(sk);
		return sock_diag_nl_errno(ret);
	}
	*out = sk;
	return 0;
}

void sock_diag_nl_close(struct nl_sock *sk)
{
	if (sk)
		nl_socket_free(sk);
}

/* One dump in progress: the caller's callback and how the dump ended. */
struct dump {
	int (*cb)(struct nlmsghdr *h, void *arg);
	void *arg;
	int err;  /* -errno from the kernel or the callback */
	int done; /* NLMSG_DONE seen */
};

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct dump *d = arg;
	int ret = d->cb(nlmsg_hdr(msg), d->arg);

	if (ret < 0) {
		d->err = ret;
		return NL_STOP;
	}
	return NL_OK;
}

/* NLMSG_DONE of a dump carries an int: 0, or the error that cut it short. */
static int on_done(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *h = nlmsg_hdr(msg);
	struct dump *d = arg;
	int e;

	d->done = 1;
	if (nlmsg_datalen(h) >= (int)sizeof(e)) {
		memcpy(&e, nlmsg_data(h), sizeof(e));
		if (e < 0)
			d->err = e;
	}
	return NL_STOP;
}

/* NLMSG_ERROR with a non-zero error: keep the kernel's errno itself. */
static int on_error(struct sockaddr_nl *peer, struct nlmsgerr *e, void *arg)
{
	struct dump *d = arg;

	d->err = e->error < 0 ? e->error : -EIO;
	return NL_STOP;
}

static int send_request(struct nl_sock *sk, void *req, size_t len)
{
	struct nl_msg *msg = nlmsg_alloc_simple(SOCK_DIAG_BY_FAMILY, NLM_F_DUMP);
	int ret;

	if (!msg)
		return -ENOMEM;
	ret = nlmsg_append(msg, req, len, NLMSG_ALIGNTO);
	if (ret >= 0)
		ret = nl_send_auto(sk, msg);
	nlmsg_free(msg);
	return ret < 0 ? sock_diag_nl_errno(ret) : 0;
}

int sock_diag_nl_dump(struct nl_sock *sk, void *req, size_t len,
		      int (*cb)(struct nlmsghdr *h, void *arg), void *arg)
{
	struct dump d = {.cb = cb, .arg = arg};
	struct nl_cb *nlcb;
	int ret;

	ret = send_request(sk, req, len);
	if (ret)
		return ret;
	nlcb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!nlcb)
		return -ENOMEM;
	nl_cb_set(nlcb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, &d);
	nl_cb_set(nlcb, NL_CB_FINISH, NL_CB_CUSTOM, on_done, &d);
	nl_cb_err(nlcb, NL_CB_CUSTOM, on_error, &d);
	/*
	 * nl_recvmsgs() reads on while the replies are NLM_F_MULTI and returns at
	 * NLMSG_DONE or an error; a batch without either returns early, so loop.
	 */
	while (!d.done && !d.err) {
		ret = nl_recvmsgs_report(sk, nlcb);
		if (ret <= 0 && !d.err) {
			d.err = ret < 0 ? sock_diag_nl_errno(ret) : -EIO;
			break;
		}
	}
	nl_cb_put(nlcb);
	return d.err;
}
