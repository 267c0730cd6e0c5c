/*
 * TCP connections (established, being set up by connect, or half or fully
 * closing: every state with a FIN sent or received but the socket not yet
 * gone), read in TCP repair mode (tcp(7), TCP_REPAIR):
 * the tool switches the socket (its pidfd_getfd copy, which it keeps) into
 * repair mode, so the kernel neither sends nor acknowledges anything on it
 * from then on, and reads both queues' sequence numbers and contents, the
 * negotiated options and the window state into tcp-stream-INO.img.
 * The copies stay open and in repair mode until the tree is gone: closing a
 * socket in repair mode is silent (no FIN, no RST, no TIME_WAIT), so the
 * peer, and the restored socket's 4-tuple, see nothing. If the tree is
 * resumed instead, repair mode is switched off first (dump_tcp_unlock). The
 * copies are the inet kind's (dump-fd-inet.c), which passes them in.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "array.h"
#include "dump-files.h"
#include "log.h"
#include "tcp-repair.h"
#include "tcp-stream.pb-c.h"

static int tcp_opt(int sk, int name, void *val, socklen_t len)
{
	socklen_t l = len;

	return getsockopt(sk, IPPROTO_TCP, name, val, &l) ? -errno : 0;
}

static int tcp_set(int sk, int name, int val)
{
	return setsockopt(sk, IPPROTO_TCP, name, &val, sizeof(val)) ? -errno : 0;
}

/*
 * Sequence number and contents of one queue (TCP_RECV_QUEUE / TCP_SEND_QUEUE).
 * @fin: our FIN is in the send queue, where SIOCOUTQ counts it until it is
 * acknowledged; it carries no byte, so it is left out of the length.
 */
static int tcp_queue(int sk, int q, bool fin, uint32_t *seq, uint32_t *len, char **data)
{
	int n = 0, ret;
	ssize_t got;

	ret = tcp_set(sk, TCP_REPAIR_QUEUE, q);
	if (!ret)
		ret = tcp_opt(sk, TCP_QUEUE_SEQ, seq, sizeof(*seq));
	if (!ret && ioctl(sk, q == TCP_RECV_QUEUE ? SIOCINQ : SIOCOUTQ, &n))
		ret = -errno;
	if (ret)
		return ret;
	if (fin && n)
		n--;
	*len = (uint32_t)n;
	*data = malloc(n ? (size_t)n : 1);
	if (!*data)
		return -ENOMEM;
	if (!n)
		return 0;
	got = recv(sk, *data, (size_t)n, MSG_PEEK | MSG_DONTWAIT);
	if (got != n)
		return got < 0 ? -errno : -EIO;
	return 0;
}

static int tcp_state(int sk, TcpStreamEntry *e, struct tcp_repair_window *w)
{
	struct tcp_info ti;
	int v = 0, ret;

	ret = tcp_opt(sk, TCP_INFO, &ti, sizeof(ti));
	if (ret)
		return ret;
	e->opt_mask = ti.tcpi_options;
	e->snd_wscale = ti.tcpi_snd_wscale;
	e->has_rcv_wscale = true;
	e->rcv_wscale = ti.tcpi_rcv_wscale;
	ret = tcp_opt(sk, TCP_MAXSEG, &v, sizeof(v));
	if (ret)
		return ret;
	e->mss_clamp = (uint32_t)v;
	if (ti.tcpi_options & TCPI_OPT_TIMESTAMPS) {
		ret = tcp_opt(sk, TCP_TIMESTAMP, &v, sizeof(v));
		if (ret)
			return ret;
		e->has_timestamp = true;
		e->timestamp = (uint32_t)v;
	}
	if (tcp_opt(sk, TCP_NODELAY, &v, sizeof(v)) == 0) {
		e->has_nodelay = true;
		e->nodelay = v != 0;
	}
	if (tcp_opt(sk, TCP_CORK, &v, sizeof(v)) == 0) {
		e->has_cork = true;
		e->cork = v != 0;
	}
	/* Bytes not sent yet (an unsent FIN counts: left out, as in tcp_queue). */
	if (ioctl(sk, SIOCOUTQNSD, &v) == 0) {
		e->has_unsq_len = true;
		e->unsq_len = (uint32_t)(tcp_state_fin_out(ti.tcpi_state) && v ? v - 1 : v);
	}
	if (tcp_opt(sk, TCP_REPAIR_WINDOW, w, sizeof(*w)) == 0) {
		e->has_snd_wl1 = e->has_snd_wnd = e->has_max_window = true;
		e->has_rcv_wnd = e->has_rcv_wup = true;
		e->snd_wl1 = w->snd_wl1;
		e->snd_wnd = w->snd_wnd;
		e->max_window = w->max_window;
		e->rcv_wnd = w->rcv_wnd;
		e->rcv_wup = w->rcv_wup;
	}
	return 0;
}

/*
 * Keeps @sk (a copy) in repair mode until dump_tcp_fini. Leaving repair
 * mode resets SO_REUSEADDR (the kernel's sk_reuse): its value is kept to be
 * put back.
 */
static int tcp_lock(struct dump_tcp_locks *l, const struct fd_desc *d, int sk, uint32_t ino)
{
	int fd, ret, reuse = 0;

	if (ARRAY_GROW(l->v, l->n))
		return -ENOMEM;
	ret = tcp_repair_reuse(sk, &reuse);
	if (ret)
		return ret;
	/* Journaled first: a worker killed from here on leaves it to the keeper. */
	dump_guard_note_tcp(d->pid, d->fd, ino, reuse);
	fd = fcntl(sk, F_DUPFD_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	ret = tcp_repair_enter(fd);
	if (ret) {
		close(fd);
		return ret;
	}
	l->v[l->n].fd = fd;
	l->v[l->n++].reuse = reuse;
	return 0;
}

static int tcp_write(struct dump_ctx *ctx, uint32_t ino, TcpStreamEntry *e, const char *inq,
		     const char *outq)
{
	struct img *img = NULL;
	int ret;

	ret = img_open(&ctx->dir, IMG_TCP_STREAM, ino, true, &img);
	if (!ret)
		ret = img_write_msg(img, &e->base);
	if (!ret && e->inq_len)
		ret = img_write_raw(img, inq, e->inq_len);
	if (!ret && e->outq_len)
		ret = img_write_raw(img, outq, e->outq_len);
	return img_close(img) ?: ret;
}

/* The state once in repair mode (it may have moved since sock_diag looked). */
static int tcp_repair_state(int sk, uint32_t *state)
{
	struct tcp_info ti;
	int ret = tcp_opt(sk, TCP_INFO, &ti, sizeof(ti));

	if (ret)
		return ret;
	*state = ti.tcpi_state;
	return tcp_state_repairable(*state) ? 0 : -EAGAIN;
}

int dump_tcp_stream(struct dump_ctx *ctx, struct dump_tcp_locks *l, const struct fd_desc *d, int sk,
		    uint32_t ino, uint32_t *state)
{
	TcpStreamEntry e = TCP_STREAM_ENTRY__INIT;
	struct tcp_repair_window w;
	char *inq = NULL, *outq = NULL;
	const char *what = "TCP_REPAIR (needs CAP_NET_ADMIN)";
	int ret;

	ret = tcp_lock(l, d, sk, ino);
	if (!ret) {
		what = "state (the connection closed while being dumped)";
		ret = tcp_repair_state(sk, state);
	}
	if (!ret) {
		what = "receive queue";
		ret = tcp_queue(sk, TCP_RECV_QUEUE, false, &e.inq_seq, &e.inq_len, &inq);
	}
	if (!ret) {
		what = "send queue";
		ret = tcp_queue(sk, TCP_SEND_QUEUE, tcp_state_fin_out(*state), &e.outq_seq,
				&e.outq_len, &outq);
	}
	if (!ret) {
		what = "options";
		tcp_set(sk, TCP_REPAIR_QUEUE, TCP_NO_QUEUE);
		ret = tcp_state(sk, &e, &w);
	}
	if (!ret) {
		what = "tcp-stream image";
		ret = tcp_write(ctx, ino, &e, inq, outq);
	}
	if (ret)
		pr_err("dump: TCP connection of fd %d of %d: %s: %s", d->fd, d->pid, what,
		       strerror(-ret));
	free(inq);
	free(outq);
	return ret;
}

void dump_tcp_unlock(struct dump_tcp_locks *l, bool resume)
{
	for (size_t i = 0; resume && i < l->n; i++) {
		int ret = tcp_repair_leave(l->v[i].fd, l->v[i].reuse);

		if (ret)
			pr_warn("dump: cannot leave TCP repair mode: %s", strerror(-ret));
	}
}

void dump_tcp_fini(struct dump_tcp_locks *l)
{
	for (size_t i = 0; i < l->n; i++)
		close(l->v[i].fd); /* silent while in repair mode */
	free(l->v);
	l->v = NULL;
	l->n = 0;
}
