/*
 * Restore: TCP connections (tcp-stream-INO.img) through TCP repair mode, in
 * every state a socket a process holds can be in: connecting (SYN_SENT),
 * established, and half or fully closing (FIN_WAIT1/2, CLOSE_WAIT, CLOSING,
 * LAST_ACK).
 *
 * At open (rst_tcp_prepare, rst_tcp_connect, rst_tcp_fill): the socket is
 * switched into repair mode before binding (which also lets it share its
 * port with a restored listener), gets its queues' sequence numbers as they
 * were before any FIN, "connects" without a handshake, gets the negotiated
 * options, timestamp offset and window state, and its queues' contents:
 * receive-queue bytes are queued for the process to read, the sent part of
 * the send queue as sent but not yet acknowledged (the kernel retransmits
 * it). A connecting socket sends its SYN again with the recorded initial
 * sequence number.
 *
 * Once every file is open (rst_tcp_finish), so that a restored peer on the
 * same host exists when the first segment flows: the FINs go back in the
 * order the state implies (ours through shutdown() in repair mode, marked
 * as sent when it was acknowledged; the peer's, which repair mode cannot
 * queue, and the acknowledgement of ours as segments delivered through a raw
 * socket), then repair mode is switched off (a window probe tells the peer
 * our window), then bytes never sent are sent the ordinary way, followed by
 * our FIN when it had not been sent either.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "array.h"
#include "log.h"
#include "restore-fd.h"
#include "tcp-repair.h"

#include "tcp-stream.pb-c.h"

/* One connection between its open and rst_tcp_finish. */
struct rst_tcp_conn {
	const FileEntry *fe;
	TcpStreamEntry *ts;
	char *data; /* receive queue, then send queue */
	struct sockaddr_storage self, peer;
	bool fin_out, fin_in;
};

/* The inet kind's state: the connections waiting for rst_tcp_finish. */
struct rst_tcp_set {
	struct rst_tcp_conn **v;
	size_t n;
};

static int tcp_set(int sk, int name, int val)
{
	return setsockopt(sk, IPPROTO_TCP, name, &val, sizeof(val)) ? -errno : 0;
}

static void rst_tcp_conn_free(struct rst_tcp_conn *t)
{
	if (!t)
		return;
	if (t->ts)
		img_free_msg(&t->ts->base);
	free(t->data);
	free(t);
}

void *rst_tcp_set_new(void)
{
	return calloc(1, sizeof(struct rst_tcp_set));
}

void rst_tcp_set_free(void *st)
{
	struct rst_tcp_set *s = st;

	for (size_t i = 0; s && i < s->n; i++)
		rst_tcp_conn_free(s->v[i]);
	if (s)
		free(s->v);
	free(s);
}

/* Bytes of the send queue the peer never saw (sent after repair mode, rst_tcp_finish). */
static uint32_t tcp_unsent(const TcpStreamEntry *ts)
{
	return ts->has_unsq_len && ts->unsq_len <= ts->outq_len ? ts->unsq_len : 0;
}

static int tcp_read_image(struct rst_ctx *c, const InetSkEntry *e, struct rst_tcp_conn *t)
{
	struct img *img;
	int ret;

	ret = img_open(&c->dir, IMG_TCP_STREAM, e->ino, false, &img);
	if (ret)
		return ret;
	ret = img_read_msg(img, &tcp_stream_entry__descriptor, (ProtobufCMessage **)&t->ts);
	if (ret == 0)
		ret = -EINVAL;
	if (ret == 1) {
		size_t len = (size_t)t->ts->inq_len + t->ts->outq_len;

		t->data = malloc(len ? len : 1);
		ret = t->data ? img_read_raw(img, t->data, len) : -ENOMEM;
	}
	img_close(img);
	return ret;
}

/*
 * Repair mode on, the image read, and where each queue starts: the recorded
 * sequence numbers count a FIN already queued (ours) or received (the
 * peer's), which rst_tcp_finish queues again. A connecting socket's SYN
 * takes one number before its first byte.
 */
int rst_tcp_prepare(struct rst_ctx *c, const InetSkEntry *e, int sk, const struct sockaddr *self,
		    const struct sockaddr *peer, socklen_t alen, struct rst_tcp_conn **out)
{
	struct rst_tcp_conn *t = calloc(1, sizeof(*t));
	uint32_t rseq, sseq;
	int ret;

	if (!t)
		return -ENOMEM;
	memcpy(&t->self, self, alen);
	memcpy(&t->peer, peer, alen);
	t->fin_out = tcp_state_fin_out(e->state);
	t->fin_in = tcp_state_fin_in(e->state);
	ret = tcp_repair_enter(sk);
	if (!ret)
		ret = tcp_read_image(c, e, t);
	/* Sequence numbers wrap: only the lengths can be checked against each other. */
	if (!ret && t->ts->has_unsq_len && t->ts->unsq_len > t->ts->outq_len)
		ret = -EINVAL;
	if (!ret) {
		rseq = t->ts->inq_seq - t->fin_in - t->ts->inq_len;
		sseq = t->ts->outq_seq - t->fin_out - t->ts->outq_len;
		if (e->state == TCP_ST_SYN_SENT)
			sseq--;
		ret = tcp_set(sk, TCP_REPAIR_QUEUE, TCP_RECV_QUEUE);
		if (!ret)
			ret = tcp_set(sk, TCP_QUEUE_SEQ, (int)rseq);
		if (!ret)
			ret = tcp_set(sk, TCP_REPAIR_QUEUE, TCP_SEND_QUEUE);
		if (!ret)
			ret = tcp_set(sk, TCP_QUEUE_SEQ, (int)sseq);
	}
	t->fe = NULL;
	if (ret) {
		rst_tcp_conn_free(t);
		return ret;
	}
	*out = t;
	return 0;
}

/*
 * Connects without a handshake. A connecting socket leaves repair mode for
 * a real, non-blocking connect: its SYN goes out with the recorded sequence
 * number (the kernel keeps a write_seq set beforehand), then repair mode
 * holds it until rst_tcp_finish.
 */
int rst_tcp_connect(struct rst_tcp_conn *t, const InetSkEntry *e, int sk)
{
	socklen_t len = t->peer.ss_family == AF_INET ? sizeof(struct sockaddr_in)
						     : sizeof(struct sockaddr_in6);
	int fl, ret;

	if (e->state != TCP_ST_SYN_SENT) {
		/*
		 * The MSS in use is computed at connect, from the clamp then in
		 * force; TCP_REPAIR_OPTIONS sets the clamp later without
		 * recomputing it (the default 536 would stay): the recorded
		 * clamp as TCP_MAXSEG first, reset once connected. TCP_MAXSEG
		 * takes at most 32767 (MAX_TCP_WINDOW): a bigger clamp (loopback's
		 * 65483) gives segments of that size until the next path MTU change.
		 */
		uint32_t mss = t->ts->mss_clamp > 32767 ? 32767 : t->ts->mss_clamp;

		if (mss >= 88 && tcp_set(sk, TCP_MAXSEG, (int)mss))
			return -errno;
		if (connect(sk, (struct sockaddr *)&t->peer, len))
			return -errno;
		/* No TCP_MAXSEG of the process's own (0: none, Linux 4.x+; older keep it). */
		tcp_set(sk, TCP_MAXSEG, 0);
		return 0;
	}
	fl = fcntl(sk, F_GETFL);
	if (fl < 0 || fcntl(sk, F_SETFL, fl | O_NONBLOCK))
		return -errno;
	ret = tcp_repair_leave(sk, 0);
	if (!ret && connect(sk, (struct sockaddr *)&t->peer, len) && errno != EINPROGRESS)
		ret = -errno;
	if (!ret)
		ret = tcp_repair_enter(sk);
	if (!ret && fcntl(sk, F_SETFL, fl))
		ret = -errno;
	return ret;
}

static int tcp_options(int sk, const TcpStreamEntry *t)
{
	struct tcp_repair_opt opts[4];
	int n = 0;

	opts[n].opt_code = TCPOPT_MAXSEG;
	opts[n++].opt_val = t->mss_clamp;
	if (t->opt_mask & TCPI_OPT_WSCALE) {
		opts[n].opt_code = TCPOPT_WINDOW;
		opts[n++].opt_val = t->snd_wscale + (t->rcv_wscale << 16);
	}
	if (t->opt_mask & TCPI_OPT_TIMESTAMPS) {
		opts[n].opt_code = TCPOPT_TIMESTAMP;
		opts[n++].opt_val = 0;
	}
	if (t->opt_mask & TCPI_OPT_SACK) {
		opts[n].opt_code = TCPOPT_SACK_PERMITTED;
		opts[n++].opt_val = 0;
	}
	if (setsockopt(sk, IPPROTO_TCP, TCP_REPAIR_OPTIONS, opts, (socklen_t)(n * sizeof(opts[0]))))
		return -errno;
	if (t->has_timestamp && tcp_set(sk, TCP_TIMESTAMP, (int)t->timestamp))
		return -errno;
	return 0;
}

/*
 * Queues @len bytes in repair queue @q. A receive-queue send is one linear
 * buffer of the size given, which the kernel may fail to allocate (ENOMEM)
 * for a big queue: smaller pieces then.
 */
static int tcp_fill(int sk, int q, const char *data, uint32_t len)
{
	uint32_t chunk = len;
	int ret = tcp_set(sk, TCP_REPAIR_QUEUE, q);

	while (!ret && len) {
		ssize_t n = send(sk, data, len < chunk ? len : chunk, 0);

		if (n < 0 && errno == ENOMEM && chunk > 4096) {
			chunk /= 2;
			continue;
		}
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		data += n;
		len -= (uint32_t)n;
	}
	return ret;
}

/* After connect: options, queue contents (the send queue's sent part), window. */
int rst_tcp_fill(struct rst_tcp_conn *t, const InetSkEntry *e, int sk, const char **what)
{
	const TcpStreamEntry *ts = t->ts;
	bool syn = e->state == TCP_ST_SYN_SENT;
	int ret = 0;

	*what = "options";
	if (!syn)
		ret = tcp_options(sk, ts);
	if (!ret) {
		*what = "receive queue";
		ret = tcp_fill(sk, TCP_RECV_QUEUE, t->data, ts->inq_len);
	}
	if (!ret) {
		*what = "send queue";
		ret = tcp_fill(sk, TCP_SEND_QUEUE, t->data + ts->inq_len,
			       ts->outq_len - tcp_unsent(ts));
	}
	if (!ret)
		ret = tcp_set(sk, TCP_REPAIR_QUEUE, TCP_NO_QUEUE);
	if (!ret && !syn && ts->has_snd_wl1) {
		/* Until the peer's FIN arrives again, rcv_nxt is one short of the recorded. */
		struct tcp_repair_window w = {ts->snd_wl1, ts->snd_wnd, ts->max_window,
					      ts->rcv_wnd + t->fin_in, ts->rcv_wup - t->fin_in};

		*what = "window";
		if (setsockopt(sk, IPPROTO_TCP, TCP_REPAIR_WINDOW, &w, sizeof(w)))
			ret = -errno;
	}
	*what = "nodelay/cork";
	if (!ret && ts->has_nodelay && ts->nodelay)
		ret = tcp_set(sk, TCP_NODELAY, 1);
	if (!ret && ts->has_cork && ts->cork)
		ret = tcp_set(sk, TCP_CORK, 1);
	return ret;
}

/* Keeps @t for rst_tcp_finish (it is freed with the kind's state). */
int rst_tcp_keep(void *set, const FileEntry *fe, struct rst_tcp_conn *t)
{
	struct rst_tcp_set *s = set;

	if (!s || ARRAY_GROW(s->v, s->n)) {
		rst_tcp_conn_free(t);
		return -ENOMEM;
	}
	t->fe = fe;
	s->v[s->n++] = t;
	return 0;
}

void rst_tcp_drop(struct rst_tcp_conn *t)
{
	rst_tcp_conn_free(t);
}

/* Our FIN into the send queue, in repair mode: as sent already when @acked (FIN_WAIT2). */
static int tcp_fin_ours(int sk, bool acked)
{
	int ret = acked ? tcp_set(sk, TCP_REPAIR_QUEUE, TCP_SEND_QUEUE) : 0;

	if (!ret && shutdown(sk, SHUT_WR))
		ret = -errno;
	if (!ret && acked)
		ret = tcp_set(sk, TCP_REPAIR_QUEUE, TCP_NO_QUEUE);
	return ret;
}

/* The window field the peer last sent (before our scaling). */
static uint16_t tcp_peer_window(const TcpStreamEntry *ts)
{
	uint32_t w = ts->has_snd_wnd ? ts->snd_wnd : 0xffff;

	if (ts->opt_mask & TCPI_OPT_WSCALE)
		w >>= ts->snd_wscale;
	return w > 0xffff ? 0xffff : (uint16_t)w;
}

static int tcp_inject(const struct rst_tcp_conn *t, uint32_t seq, uint32_t ack, uint8_t flags)
{
	return tcp_repair_inject((const struct sockaddr *)&t->peer,
				 (const struct sockaddr *)&t->self, seq, ack, flags,
				 tcp_peer_window(t->ts));
}

/*
 * Whether @now is a state on the way to recorded @state that the FINs just
 * queued or delivered have yet to move past. A state beyond @state is not:
 * a peer on the host may acknowledge our FIN at once (FIN_WAIT1 becomes
 * FIN_WAIT2, LAST_ACK and CLOSING end).
 */
static bool tcp_state_pending(unsigned int state, unsigned int now)
{
	if (now == TCP_ST_ESTABLISHED)
		return true;
	if (now == TCP_ST_FIN_WAIT1)
		return state == TCP_ST_FIN_WAIT2 || state == TCP_ST_CLOSING;
	if (now == TCP_ST_CLOSE_WAIT)
		return state == TCP_ST_LAST_ACK;
	return false;
}

/* Waits (briefly: loopback delivery is immediate) for @sk to get past its FINs. */
static int tcp_wait_state(int sk, unsigned int state)
{
	struct tcp_info ti;

	for (int i = 0; i < 100; i++) {
		socklen_t len = sizeof(ti);

		if (getsockopt(sk, IPPROTO_TCP, TCP_INFO, &ti, &len))
			return -errno;
		if (!tcp_state_pending(state, ti.tcpi_state))
			return 0;
		usleep(1000);
	}
	return -EPROTO;
}

/*
 * In repair mode: the FINs of the recorded state, in their order. Our FIN
 * not sent before (bytes unsent ahead of it) waits for tcp_unsent_send.
 */
static int tcp_fins(const struct rst_tcp_conn *t, int sk, unsigned int state, const char **what)
{
	const TcpStreamEntry *ts = t->ts;
	bool later = tcp_unsent(ts) && state != TCP_ST_FIN_WAIT2;
	uint32_t una = ts->outq_seq - t->fin_out - ts->outq_len;
	int ret = 0;

	*what = "our FIN";
	if (t->fin_out && !later && state != TCP_ST_LAST_ACK)
		ret = tcp_fin_ours(sk, state == TCP_ST_FIN_WAIT2);
	if (!ret && t->fin_in) {
		*what = "the peer's FIN (a raw segment: needs CAP_NET_RAW)";
		ret = tcp_inject(t, ts->inq_seq - 1, una, TH_FIN | TH_ACK);
	}
	if (!ret && state == TCP_ST_LAST_ACK && !later) {
		*what = "our FIN";
		ret = tcp_fin_ours(sk, false);
	}
	if (!ret && state == TCP_ST_FIN_WAIT2) {
		*what = "the acknowledgement of our FIN";
		ret = tcp_inject(t, ts->inq_seq, ts->outq_seq, TH_ACK);
	}
	if (!ret && !later && (t->fin_out || t->fin_in)) {
		*what = "the recorded state";
		ret = tcp_wait_state(sk, state);
	}
	return ret;
}

/*
 * After repair mode: bytes the peer never saw, sent the ordinary way; the
 * socket gets room for them all (SO_SNDBUFFORCE) when they do not fit, as
 * the peer may not read before the tree runs. Then our FIN if it was behind
 * them, and a reading shutdown the process made.
 */
static int tcp_unsent_send(const struct rst_tcp_conn *t, int sk, const char **what)
{
	const TcpStreamEntry *ts = t->ts;
	uint32_t len = tcp_unsent(ts);
	const char *p = t->data + ts->inq_len + ts->outq_len - len;
	const InetSkEntry *e = t->fe->isk;
	bool grown = false;

	*what = "unsent bytes";
	while (len) {
		ssize_t n = send(sk, p, len, MSG_DONTWAIT | MSG_NOSIGNAL);
		int sz = 0;
		socklen_t sl = sizeof(sz);

		if (n < 0 && errno == EAGAIN && !grown) {
			grown = true;
			if (getsockopt(sk, SOL_SOCKET, SO_SNDBUF, &sz, &sl) == 0)
				sz += (int)len * 2;
			if (setsockopt(sk, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)))
				return -errno;
			continue;
		}
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p += n;
		len -= (uint32_t)n;
	}
	*what = "our FIN";
	if (t->fin_out && tcp_unsent(ts) && e->state != TCP_ST_FIN_WAIT2 && shutdown(sk, SHUT_WR))
		return -errno;
	*what = "shutdown";
	if (!t->fin_in && e->has_shutdown && (e->shutdown & SK_SHUTDOWN__READ) &&
	    shutdown(sk, SHUT_RD))
		return -errno;
	return 0;
}

static int tcp_finish_err(const struct rst_tcp_conn *t, const char *what, int ret)
{
	pr_err("TCP connection %u (inode %u, port %u): %s: %s", t->fe->id, t->fe->isk->ino,
	       t->fe->isk->src_port, what, strerror(-ret));
	return ret;
}

int rst_tcp_finish(struct rst_ctx *c, void *set)
{
	struct rst_tcp_set *s = set;
	const char *what = "";
	int ret;

	for (size_t i = 0; s && i < s->n; i++) {
		const struct rst_tcp_conn *t = s->v[i];
		int fd = c->files[rst_file_index(c, t->fe->id)].fd;

		ret = tcp_fins(t, fd, t->fe->isk->state, &what);
		if (ret)
			return tcp_finish_err(t, what, ret);
	}
	/* Every FIN in place: the connections may talk. */
	for (size_t i = 0; s && i < s->n; i++) {
		const struct rst_tcp_conn *t = s->v[i];
		const SkOptsEntry *o = t->fe->isk->opts;
		int fd = c->files[rst_file_index(c, t->fe->id)].fd;

		ret = tcp_repair_done(fd, o->has_reuseaddr && o->reuseaddr);
		if (!ret)
			ret = tcp_unsent_send(t, fd, &what);
		else
			what = "leaving repair mode";
		if (ret)
			return tcp_finish_err(t, what, ret);
	}
	return 0;
}
