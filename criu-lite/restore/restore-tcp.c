/*
 * Restore: established TCP connections (tcp-stream-INO.img) through TCP
 * repair mode. The socket is switched into repair mode before binding (which
 * also lets it share its port with a restored listener), gets its queues'
 * sequence numbers, "connects" without a handshake, gets the negotiated
 * options, timestamp offset and window state, and its queues' contents:
 * receive-queue bytes are queued for the process to read, send-queue bytes
 * as sent but not yet acknowledged (the kernel retransmits them). Repair mode
 * is switched off once every file is open (rst_tcp_finish), so a restored
 * peer on the same host exists when the first segment flows.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "restore.h"
#include "tcp-repair.h"

#include "tcp-stream.pb-c.h"

#define RST_TCP_ESTABLISHED 1

static int tcp_set(int sk, int name, int val)
{
	return setsockopt(sk, IPPROTO_TCP, name, &val, sizeof(val)) ? -errno : 0;
}

int rst_tcp_repair_on(int sk)
{
	return tcp_repair_enter(sk);
}

/* Before connect: where each queue starts (its saved bytes are added later). */
int rst_tcp_seqs(struct rst_ctx *c, const InetSkEntry *e, int sk, TcpStreamEntry **out, char **data)
{
	struct img *img;
	int ret;

	ret = img_open(&c->dir, IMG_TCP_STREAM, e->ino, false, &img);
	if (ret)
		return ret;
	ret = img_read_msg(img, &tcp_stream_entry__descriptor, (ProtobufCMessage **)out);
	if (ret == 0)
		ret = -EINVAL;
	if (ret == 1) {
		size_t len = (size_t)(*out)->inq_len + (*out)->outq_len;

		*data = malloc(len ? len : 1);
		ret = *data ? img_read_raw(img, *data, len) : -ENOMEM;
	}
	img_close(img);
	if (ret)
		return ret;
	ret = tcp_set(sk, TCP_REPAIR_QUEUE, TCP_RECV_QUEUE);
	if (!ret)
		ret = tcp_set(sk, TCP_QUEUE_SEQ, (int)((*out)->inq_seq - (*out)->inq_len));
	if (!ret)
		ret = tcp_set(sk, TCP_REPAIR_QUEUE, TCP_SEND_QUEUE);
	if (!ret)
		ret = tcp_set(sk, TCP_QUEUE_SEQ, (int)((*out)->outq_seq - (*out)->outq_len));
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

static int tcp_fill(int sk, int q, const char *data, uint32_t len)
{
	int ret = tcp_set(sk, TCP_REPAIR_QUEUE, q);

	while (!ret && len) {
		ssize_t n = send(sk, data, len, 0);

		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		data += n;
		len -= (uint32_t)n;
	}
	return ret;
}

/* After connect: options, queue contents, window. */
int rst_tcp_established(int sk, const TcpStreamEntry *t, const char *data, const char **what)
{
	int ret;

	*what = "options";
	ret = tcp_options(sk, t);
	if (!ret) {
		*what = "receive queue";
		ret = tcp_fill(sk, TCP_RECV_QUEUE, data, t->inq_len);
	}
	if (!ret) {
		*what = "send queue";
		ret = tcp_fill(sk, TCP_SEND_QUEUE, data + t->inq_len, t->outq_len);
	}
	if (!ret)
		ret = tcp_set(sk, TCP_REPAIR_QUEUE, TCP_NO_QUEUE);
	if (!ret && t->has_snd_wl1) {
		struct tcp_repair_window w = {t->snd_wl1, t->snd_wnd, t->max_window, t->rcv_wnd,
					      t->rcv_wup};

		*what = "window";
		if (setsockopt(sk, IPPROTO_TCP, TCP_REPAIR_WINDOW, &w, sizeof(w)))
			ret = -errno;
	}
	*what = "nodelay/cork";
	if (!ret && t->has_nodelay && t->nodelay)
		ret = tcp_set(sk, TCP_NODELAY, 1);
	if (!ret && t->has_cork && t->cork)
		ret = tcp_set(sk, TCP_CORK, 1);
	return ret;
}

int rst_tcp_finish(struct rst_ctx *c)
{
	int ret, reuse;

	for (size_t i = 0; i < c->nr_files; i++) {
		const FileEntry *fe = c->files[i].fe;

		if (c->files[i].fd < 0 || fe->type != FD_TYPES__INETSK ||
		    fe->isk->proto != IPPROTO_TCP || fe->isk->state != RST_TCP_ESTABLISHED)
			continue;
		reuse = fe->isk->opts->has_reuseaddr && fe->isk->opts->reuseaddr;
		ret = tcp_repair_done(c->files[i].fd, reuse);
		if (ret) {
			pr_err("TCP connection %u (inode %u): leaving repair mode: %s", fe->id,
			       fe->isk->ino, strerror(-ret));
			return ret;
		}
	}
	return 0;
}
