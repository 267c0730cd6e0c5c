/*
 * Fuzz target: the page server's side of one connection (page_server_conn).
 * A thread plays the client over a socketpair: it sends the stream built from
 * the input, closes its sending side and drains the answers. Frame checksums
 * would stop every mutation at the first header, so the input describes
 * frames and the client fills in magic, sequence number and checksum:
 *
 *   input := u8 mode  rest
 *   mode bit 0 set:   rest is sent as it is (raw stream, headers included)
 *   otherwise:        rest := { u8 type  u16le len  payload[len] }*
 *
 * A frame whose type byte has bit 7 set gets a wrong checksum.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz-util.h"
#include "log.h"
#include "page-server.h"
#include "page-xfer.h"

#define FUZZ_PS_MAX_STREAM (1u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz_client {
	int fd;
	const uint8_t *p;
	size_t len;
};

static void *fuzz_client_main(void *arg)
{
	struct fuzz_client *cl = arg;
	uint8_t sink[4096];
	size_t off = 0;

	while (off < cl->len) {
		ssize_t n = send(cl->fd, cl->p + off, cl->len - off, MSG_NOSIGNAL);

		if (n <= 0)
			break; /* the server hung up early */
		off += (size_t)n;
	}
	shutdown(cl->fd, SHUT_WR);
	while (read(cl->fd, sink, sizeof(sink)) > 0)
		;
	return NULL;
}

/* Turns frame descriptions into a stream with valid headers; returns its length. */
static size_t fuzz_frames(const uint8_t *p, size_t len, uint8_t *out)
{
	size_t pos = 0, n = 0;
	uint32_t seq = 0;

	while (len - pos >= 3) {
		struct page_xfer_hdr h = {.magic = PAGE_XFER_MAGIC};
		size_t plen = (size_t)p[pos + 1] | (size_t)p[pos + 2] << 8;

		h.type = p[pos] & 0x7f;
		pos += 3;
		if (plen > len - pos)
			plen = len - pos;
		if (n + PAGE_XFER_HDR_SIZE + plen > FUZZ_PS_MAX_STREAM)
			break;
		h.len = (uint32_t)plen;
		h.seq = seq++;
		h.sum = page_xfer_frame_sum(h.type, h.seq, p + pos, plen);
		if (p[pos - 3] & 0x80)
			h.sum ^= 1;
		page_xfer_hdr_pack(&h, out + n);
		memcpy(out + n + PAGE_XFER_HDR_SIZE, p + pos, plen);
		n += PAGE_XFER_HDR_SIZE + plen;
		pos += plen;
	}
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct img_dir dir = {.fd = -1};
	static struct page_server_bufs bufs;
	static uint8_t *stream;
	struct fuzz_client cl;
	pthread_t th;
	int sv[2];

	if (dir.fd < 0) {
		log_init(LOG_ERROR, NULL);
		fuzz_scratch(&dir);
		stream = malloc(FUZZ_PS_MAX_STREAM);
		if (!stream || page_server_bufs_init(&bufs))
			abort();
	}
	if (size < 1)
		return -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		abort();
	cl.fd = sv[1];
	if (data[0] & 1) {
		cl.p = data + 1;
		cl.len = size - 1;
	} else {
		cl.p = stream;
		cl.len = fuzz_frames(data + 1, size - 1, stream);
	}
	if (pthread_create(&th, NULL, fuzz_client_main, &cl))
		abort();
	page_server_conn(sv[0], &dir, &bufs, NULL); /* closes sv[0] */
	pthread_join(th, NULL);
	close(sv[1]);
	fuzz_scratch_clear(&dir);
	return 0;
}
