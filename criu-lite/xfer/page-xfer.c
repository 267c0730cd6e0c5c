/*
 * Page transfer protocol: frame encoding shared with the server, and the
 * client side used by dump and pre-dump with --page-server.
 *
 * The client never waits for the server between frames: entries are packed
 * into ENTRIES frames of PAGE_XFER_ENTRIES_FRAME, page data goes out in
 * frames of up to PAGE_XFER_PAGES_FRAME with one sendmsg each, and only
 * HELLO and COMMIT wait for an answer. A mutex keeps frames whole when page
 * data is sent from the dump's writer thread.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "img-pagecsum.h"
#include "log.h"
#include "options.h"
#include "page-xfer.h"

/* ---- encoding ---- */

static void page_xfer_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

void page_xfer_put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

void page_xfer_put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

uint16_t page_xfer_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

uint32_t page_xfer_get32(const uint8_t *p)
{
	uint32_t v = 0;

	for (int i = 3; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

uint64_t page_xfer_get64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* ---- checksum ---- */

#define HASH_K1 0x9e3779b97f4a7c15ull
#define HASH_K2 0xd6e8feb86659fd93ull

static inline uint64_t load64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

static inline uint64_t hash_step(uint64_t acc, uint64_t w)
{
	uint64_t x = (acc ^ w) * HASH_K1;

	return x ^ (x >> 29);
}

/*
 * Eight independent lanes keep the multiplier busy (about 8 bytes per
 * cycle); the lanes, the tail and the length are folded at the end. Meant
 * to catch corruption and framing bugs, not an adversary.
 */
uint64_t page_xfer_hash(const void *data, size_t len, uint64_t seed)
{
	const uint8_t *p = data;
	uint64_t a0 = seed + HASH_K2, a1 = seed + 2 * HASH_K2, a2 = seed + 3 * HASH_K2,
		 a3 = seed + 4 * HASH_K2, a4 = seed + 5 * HASH_K2, a5 = seed + 6 * HASH_K2,
		 a6 = seed + 7 * HASH_K2, a7 = seed + 8 * HASH_K2, h;
	size_t left = len;

	/* Named lanes, not an array: they stay in registers. */
	while (left >= 64) {
		a0 = hash_step(a0, load64(p));
		a1 = hash_step(a1, load64(p + 8));
		a2 = hash_step(a2, load64(p + 16));
		a3 = hash_step(a3, load64(p + 24));
		a4 = hash_step(a4, load64(p + 32));
		a5 = hash_step(a5, load64(p + 40));
		a6 = hash_step(a6, load64(p + 48));
		a7 = hash_step(a7, load64(p + 56));
		p += 64;
		left -= 64;
	}
	h = seed ^ ((uint64_t)len * HASH_K1);
	h = hash_step(hash_step(hash_step(hash_step(h, a0), a1), a2), a3);
	h = hash_step(hash_step(hash_step(hash_step(h, a4), a5), a6), a7);
	while (left >= 8) {
		h = hash_step(h, load64(p));
		p += 8;
		left -= 8;
	}
	if (left) {
		uint64_t w = 0;

		for (size_t i = 0; i < left; i++)
			w |= (uint64_t)p[i] << (8 * i);
		h = hash_step(h, w ^ ((uint64_t)left << 56));
	}
	h ^= h >> 33;
	h *= HASH_K2;
	return h ^ (h >> 31);
}

uint64_t page_xfer_frame_sum(uint16_t type, uint32_t seq, const void *payload, size_t len)
{
	uint64_t seed = (uint64_t)type << 48 ^ (uint64_t)seq << 16 ^ (uint64_t)len << 1;

	return page_xfer_hash(payload, len, seed);
}

void page_xfer_hdr_pack(const struct page_xfer_hdr *h, uint8_t *out)
{
	page_xfer_put32(out, h->magic);
	page_xfer_put16(out + 4, h->type);
	page_xfer_put16(out + 6, h->flags);
	page_xfer_put32(out + 8, h->len);
	page_xfer_put32(out + 12, h->seq);
	page_xfer_put64(out + 16, h->sum);
}

void page_xfer_hdr_unpack(const uint8_t *in, struct page_xfer_hdr *h)
{
	h->magic = page_xfer_get32(in);
	h->type = page_xfer_get16(in + 4);
	h->flags = page_xfer_get16(in + 6);
	h->len = page_xfer_get32(in + 8);
	h->seq = page_xfer_get32(in + 12);
	h->sum = page_xfer_get64(in + 16);
}

const char *page_xfer_type_name(unsigned int type)
{
	static const char *const names[PX_TYPE_MAX] = {
		[PX_HELLO] = "HELLO",	    [PX_HELLO_OK] = "HELLO_OK",
		[PX_BEGIN] = "BEGIN",	    [PX_PAGE_CSUMS] = "PAGE_CSUMS",
		[PX_OPEN] = "OPEN",	    [PX_ENTRIES] = "ENTRIES",
		[PX_PAGES] = "PAGES",	    [PX_CLOSE] = "CLOSE",
		[PX_COMMIT] = "COMMIT",	    [PX_COMMIT_OK] = "COMMIT_OK",
		[PX_BYE] = "BYE",	    [PX_ERROR] = "ERROR",
		[PX_GET_OPEN] = "GET_OPEN", [PX_GET_FILE] = "GET_FILE",
		[PX_GET_READ] = "GET_READ", [PX_GET_DATA] = "GET_DATA",
	};

	return type < PX_TYPE_MAX && names[type] ? names[type] : "?";
}

void page_xfer_hello_fill(uint8_t *out, uint32_t version)
{
	struct utsname u;

	memset(out, 0, PX_HELLO_SIZE);
	page_xfer_put32(out, version);
	page_xfer_put32(out + 4, (uint32_t)sysconf(_SC_PAGESIZE));
	page_xfer_put32(out + 8, 0);
	if (!uname(&u))
		memcpy(out + 12, u.machine, strnlen(u.machine, 31));
}

/* ---- socket I/O ---- */

int page_xfer_send_frame(int fd, uint32_t *seq, uint16_t type, const void *payload, size_t len)
{
	struct page_xfer_hdr h = {
		.magic = PAGE_XFER_MAGIC,
		.type = type,
		.len = (uint32_t)len,
		.seq = *seq,
	};
	uint8_t hb[PAGE_XFER_HDR_SIZE];
	struct iovec iov[2] = {{hb, sizeof(hb)}, {(void *)payload, len}};
	struct msghdr mh = {.msg_iov = iov, .msg_iovlen = len ? 2 : 1};

	if (len > PAGE_XFER_MAX_FRAME)
		return -EMSGSIZE;
	h.sum = page_xfer_frame_sum(type, h.seq, payload, len);
	page_xfer_hdr_pack(&h, hb);
	while (mh.msg_iovlen) {
		ssize_t n = sendmsg(fd, &mh, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		while (mh.msg_iovlen && (size_t)n >= mh.msg_iov->iov_len) {
			n -= (ssize_t)mh.msg_iov->iov_len;
			mh.msg_iov++;
			mh.msg_iovlen--;
		}
		if (mh.msg_iovlen) {
			mh.msg_iov->iov_base = (uint8_t *)mh.msg_iov->iov_base + n;
			mh.msg_iov->iov_len -= (size_t)n;
		}
	}
	(*seq)++;
	return 0;
}

int page_xfer_read_full(int fd, void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = recv(fd, (uint8_t *)buf + done, len - done, MSG_WAITALL);

		if (n < 0 && errno == EINTR)
			return -EINTR; /* the server's stop signal interrupts here */
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EPIPE;
		done += (size_t)n;
	}
	return 0;
}

int page_xfer_recv_hdr(int fd, uint32_t *seq, uint32_t max, struct page_xfer_hdr *h, char *why,
		       size_t why_len)
{
	uint8_t hb[PAGE_XFER_HDR_SIZE];
	int ret = page_xfer_read_full(fd, hb, sizeof(hb));

	if (ret)
		return ret;
	page_xfer_hdr_unpack(hb, h);
	if (h->magic != PAGE_XFER_MAGIC)
		snprintf(why, why_len, "bad magic 0x%08x", h->magic);
	else if (h->flags)
		snprintf(why, why_len, "unknown frame flags 0x%x", h->flags);
	else if (!h->type || h->type >= PX_TYPE_MAX)
		snprintf(why, why_len, "unknown frame type %u", h->type);
	else if (h->len > max)
		snprintf(why, why_len, "%s frame of %u bytes (limit %u)",
			 page_xfer_type_name(h->type), h->len, max);
	else if (h->seq != *seq)
		snprintf(why, why_len, "frame %u out of sequence (expected %u)", h->seq, *seq);
	else {
		(*seq)++;
		return 0;
	}
	return -EBADMSG;
}

/* ---- client ---- */

struct page_xfer {
	int fd;
	pthread_mutex_t mu; /* one frame on the wire at a time */
	uint32_t tx_seq, rx_seq;
	int err; /* sticky: the first failure */
	bool in_iter, img_open;
	uint8_t ents[PAGE_XFER_ENTRIES_FRAME * PX_ENTRY_SIZE];
	size_t nr_ents;
	uint64_t img_entries, img_bytes, bytes_total;
	size_t page_size;
	bool csum; /* the server takes PAGE_CSUMS frames, and we send them */
	uint8_t crcs[PX_CSUMS_MAX * 4];
	char peer[300];
};

/* A failed send may be the server refusing something: fetch its ERROR if any. */
static void px_log_server_error(struct page_xfer *px)
{
	struct pollfd pfd = {.fd = px->fd, .events = POLLIN};
	struct page_xfer_hdr h;
	uint8_t buf[1024];
	char why[128];

	if (poll(&pfd, 1, 200) <= 0)
		return;
	if (page_xfer_recv_hdr(px->fd, &px->rx_seq, sizeof(buf) - 1, &h, why, sizeof(why)))
		return;
	if (h.type != PX_ERROR || h.len < 4 || page_xfer_read_full(px->fd, buf, h.len))
		return;
	buf[h.len] = 0;
	pr_err("page server %s: %s", px->peer, (char *)buf + 4);
}

static int px_fail(struct page_xfer *px, int err, const char *what)
{
	if (px->err)
		return px->err;
	px->err = err;
	pr_err("page server %s: %s: %s", px->peer, what, strerror(-err));
	if (err == -EPIPE || err == -ECONNRESET)
		px_log_server_error(px);
	return err;
}

static int px_send(struct page_xfer *px, uint16_t type, const void *payload, size_t len)
{
	int ret;

	pthread_mutex_lock(&px->mu);
	ret = px->err;
	if (!ret) {
		ret = page_xfer_send_frame(px->fd, &px->tx_seq, type, payload, len);
		if (ret) {
			char what[64];

			snprintf(what, sizeof(what), "sending %s", page_xfer_type_name(type));
			ret = px_fail(px, ret, what);
		}
	}
	pthread_mutex_unlock(&px->mu);
	return ret;
}

/* Waits for @want; an ERROR from the server is logged and returned as its errno. */
static int px_recv(struct page_xfer *px, uint16_t want, uint8_t *buf, size_t len)
{
	struct page_xfer_hdr h;
	uint8_t ebuf[1024];
	char why[128];
	int ret;

	ret = page_xfer_recv_hdr(px->fd, &px->rx_seq, sizeof(ebuf) - 1, &h, why, sizeof(why));
	if (ret == -EBADMSG) {
		pr_err("page server %s: bad answer: %s", px->peer, why);
		return px->err = ret;
	}
	if (ret)
		return px_fail(px, ret, "waiting for an answer");
	if (page_xfer_read_full(px->fd, ebuf, h.len))
		return px_fail(px, -EPIPE, "reading an answer");
	if (page_xfer_frame_sum(h.type, h.seq, ebuf, h.len) != h.sum) {
		pr_err("page server %s: answer with a bad checksum", px->peer);
		return px->err = -EBADMSG;
	}
	if (h.type == PX_ERROR && h.len >= 4) {
		int32_t e = (int32_t)page_xfer_get32(ebuf);

		ebuf[h.len] = 0;
		pr_err("page server %s: %s", px->peer, (char *)ebuf + 4);
		return px->err = e < 0 ? e : -EPROTO;
	}
	if (h.type != want || h.len != len) {
		pr_err("page server %s: unexpected %s answer of %u bytes", px->peer,
		       page_xfer_type_name(h.type), h.len);
		return px->err = -EPROTO;
	}
	memcpy(buf, ebuf, len);
	return 0;
}

static int px_dial(const char *addr, int port, int *fdp)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
	struct addrinfo *res, *ai;
	char service[16];
	int fd = -1, ret, one = 1;

	snprintf(service, sizeof(service), "%d", port);
	ret = getaddrinfo(addr, service, &hints, &res);
	if (ret) {
		pr_err("page server %s:%d: %s", addr, port, gai_strerror(ret));
		return -EHOSTUNREACH;
	}
	ret = -ECONNREFUSED;
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0) {
			ret = -errno;
			continue;
		}
		if (!connect(fd, ai->ai_addr, ai->ai_addrlen))
			break;
		ret = -errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		pr_err("page server %s:%d: connect: %s", addr, port, strerror(-ret));
		return ret;
	}
	/* HELLO and COMMIT wait for answers: no Nagle delay on them. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	*fdp = fd;
	return 0;
}

static int px_hello(struct page_xfer *px)
{
	uint8_t hello[PX_HELLO_SIZE], ans[PX_HELLO_SIZE];
	int ret;

	page_xfer_hello_fill(hello, PAGE_XFER_VERSION);
	page_xfer_put32(hello + 8, PX_HELLO_PAGE_CSUM);
	ret = px_send(px, PX_HELLO, hello, sizeof(hello));
	if (!ret)
		ret = px_recv(px, PX_HELLO_OK, ans, sizeof(ans));
	if (ret)
		return ret;
	if (page_xfer_get32(ans) != PAGE_XFER_VERSION ||
	    page_xfer_get32(ans + 4) != (uint32_t)px->page_size) {
		pr_err("page server %s: speaks version %u with %u-byte pages", px->peer,
		       page_xfer_get32(ans), page_xfer_get32(ans + 4));
		return px->err = -EPROTO;
	}
	px->csum = page_xfer_get32(ans + 8) & PX_HELLO_PAGE_CSUM;
	return 0;
}

bool page_xfer_csums(struct page_xfer *px, bool on)
{
	px->csum = px->csum && on;
	return px->csum;
}

int page_xfer_connect(const char *addr, int port, struct page_xfer **out)
{
	struct page_xfer *px;
	int ret;

	if (!addr || !*addr || port <= 0 || port > 65535) {
		pr_err("page server: --address and --port are needed");
		return -EINVAL;
	}
	px = calloc(1, sizeof(*px));
	if (!px)
		return -ENOMEM;
	px->fd = -1;
	px->page_size = (size_t)sysconf(_SC_PAGESIZE);
	pthread_mutex_init(&px->mu, NULL);
	snprintf(px->peer, sizeof(px->peer), "%.256s:%d", addr, port);
	ret = px_dial(addr, port, &px->fd);
	if (!ret)
		ret = px_hello(px);
	if (ret) {
		page_xfer_close(px);
		return ret;
	}
	*out = px;
	return 0;
}

int page_xfer_begin(struct page_xfer *px, const char *name, const char *parent)
{
	size_t nl = strlen(name), pl = parent ? strlen(parent) : 0;
	uint8_t buf[4 + PAGE_XFER_NAME_MAX + 4096];

	if (px->in_iter || nl > PAGE_XFER_NAME_MAX || pl >= 4096) {
		pr_err("page server %s: bad iteration '%s' (parent '%s')", px->peer, name,
		       parent ? parent : "");
		return -EINVAL;
	}
	page_xfer_put16(buf, (uint16_t)nl);
	page_xfer_put16(buf + 2, (uint16_t)pl);
	memcpy(buf + 4, name, nl);
	if (pl)
		memcpy(buf + 4 + nl, parent, pl);
	px->in_iter = true;
	return px_send(px, PX_BEGIN, buf, 4 + nl + pl);
}

int page_xfer_open_image(struct page_xfer *px, enum img_kind kind, unsigned long id,
			 unsigned long pages_id)
{
	uint8_t buf[24];

	if (!px->in_iter || px->img_open || (kind != IMG_PAGEMAP && kind != IMG_SHMEM_PAGEMAP))
		return -EINVAL;
	page_xfer_put32(buf, kind == IMG_PAGEMAP ? PX_IMG_PAGEMAP : PX_IMG_SHMEM_PAGEMAP);
	page_xfer_put32(buf + 4, 0);
	page_xfer_put64(buf + 8, id);
	page_xfer_put64(buf + 16, pages_id);
	px->img_open = true;
	px->nr_ents = 0;
	px->img_entries = 0;
	px->img_bytes = 0;
	return px_send(px, PX_OPEN, buf, sizeof(buf));
}

static int px_flush_entries(struct page_xfer *px)
{
	int ret;

	if (!px->nr_ents)
		return 0;
	ret = px_send(px, PX_ENTRIES, px->ents, px->nr_ents * PX_ENTRY_SIZE);
	px->nr_ents = 0;
	return ret;
}

int page_xfer_entry(struct page_xfer *px, unsigned long vaddr, size_t nr, unsigned int flags)
{
	uint8_t *e;

	if (!px->img_open || !nr || nr > UINT32_MAX)
		return -EINVAL;
	if (px->nr_ents == PAGE_XFER_ENTRIES_FRAME) {
		int ret = px_flush_entries(px);

		if (ret)
			return ret;
	}
	e = px->ents + px->nr_ents++ * PX_ENTRY_SIZE;
	page_xfer_put64(e, vaddr);
	page_xfer_put32(e + 8, (uint32_t)nr);
	page_xfer_put32(e + 12, flags);
	px->img_entries++;
	return 0;
}

/*
 * One PAGES frame, after the PAGE_CSUMS frame of its pages when the server
 * takes them: computed here, from the very buffer that is sent, so the
 * server checks end to end what it will write.
 */
static int px_send_pages(struct page_xfer *px, const uint8_t *p, size_t n)
{
	size_t nr = n / px->page_size;
	int ret;

	if (!px->csum)
		return px_send(px, PX_PAGES, p, n);
	pthread_mutex_lock(&px->mu); /* the two frames back to back */
	for (size_t i = 0; i < nr; i++)
		page_xfer_put32(px->crcs + 4 * i,
				pagecsum_of(p + i * px->page_size, px->page_size));
	ret = px->err;
	if (!ret)
		ret = page_xfer_send_frame(px->fd, &px->tx_seq, PX_PAGE_CSUMS, px->crcs, 4 * nr);
	if (!ret)
		ret = page_xfer_send_frame(px->fd, &px->tx_seq, PX_PAGES, p, n);
	if (ret)
		ret = px_fail(px, ret, "sending PAGES");
	pthread_mutex_unlock(&px->mu);
	return ret;
}

int page_xfer_pages(struct page_xfer *px, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	int ret = 0;

	if (len % px->page_size)
		return -EINVAL;
	while (len && !ret) {
		size_t n = len < PAGE_XFER_PAGES_FRAME ? len : PAGE_XFER_PAGES_FRAME;

		ret = px_send_pages(px, p, n);
		if (!ret) {
			__atomic_add_fetch(&px->img_bytes, n, __ATOMIC_RELAXED);
			__atomic_add_fetch(&px->bytes_total, n, __ATOMIC_RELAXED);
		}
		p += n;
		len -= n;
	}
	return ret;
}

int page_xfer_close_image(struct page_xfer *px)
{
	uint8_t buf[16];
	int ret;

	if (!px->img_open)
		return -EINVAL;
	px->img_open = false;
	ret = px_flush_entries(px);
	if (ret)
		return ret;
	page_xfer_put64(buf, px->img_entries);
	page_xfer_put64(buf + 8, __atomic_load_n(&px->img_bytes, __ATOMIC_RELAXED));
	return px_send(px, PX_CLOSE, buf, sizeof(buf));
}

int page_xfer_commit(struct page_xfer *px)
{
	uint8_t ans[16];
	int ret;

	if (!px->in_iter || px->img_open)
		return -EINVAL;
	ret = px_send(px, PX_COMMIT, NULL, 0);
	if (!ret)
		ret = px_recv(px, PX_COMMIT_OK, ans, sizeof(ans));
	if (!ret) {
		px->in_iter = false;
		pr_debug("page server %s: committed %llu images, %llu bytes of pages", px->peer,
			 (unsigned long long)page_xfer_get64(ans),
			 (unsigned long long)page_xfer_get64(ans + 8));
	}
	return ret;
}

void page_xfer_close(struct page_xfer *px)
{
	if (!px)
		return;
	if (px->fd >= 0) {
		if (!px->err)
			page_xfer_send_frame(px->fd, &px->tx_seq, PX_BYE, NULL, 0);
		close(px->fd);
	}
	pthread_mutex_destroy(&px->mu);
	free(px);
}

void page_xfer_drop(struct page_xfer *px)
{
	if (!px)
		return;
	if (px->fd >= 0)
		close(px->fd);
	pthread_mutex_destroy(&px->mu);
	free(px);
}

int page_xfer_get_open(struct page_xfer *px, const char *name, uint32_t *handle, uint64_t *size)
{
	size_t n = strlen(name);
	uint8_t req[2 + 4096], ans[16];
	int ret;

	if (n > sizeof(req) - 2)
		return -ENAMETOOLONG;
	page_xfer_put16(req, (uint16_t)n);
	memcpy(req + 2, name, n);
	ret = px_send(px, PX_GET_OPEN, req, 2 + n);
	if (!ret)
		ret = px_recv(px, PX_GET_FILE, ans, sizeof(ans));
	if (ret)
		return ret;
	*handle = page_xfer_get32(ans);
	*size = page_xfer_get64(ans + 8);
	return 0;
}

int page_xfer_get_ask(struct page_xfer *px, uint32_t handle, uint64_t off, uint32_t len)
{
	uint8_t req[16];

	page_xfer_put32(req, handle);
	page_xfer_put32(req + 4, len);
	page_xfer_put64(req + 8, off);
	return px_send(px, PX_GET_READ, req, sizeof(req));
}

int page_xfer_get_take(struct page_xfer *px, uint64_t off, void *buf, uint32_t len)
{
	struct page_xfer_hdr h;
	char why[128];
	int ret;

	ret = page_xfer_recv_hdr(px->fd, &px->rx_seq, PAGE_XFER_MAX_FRAME, &h, why, sizeof(why));
	if (ret == -EBADMSG)
		pr_err("page server %s: bad answer: %s", px->peer, why);
	if (ret)
		return ret == -EBADMSG ? (px->err = ret) : px_fail(px, ret, "waiting for pages");
	if (h.type == PX_ERROR && h.len >= 4 && h.len < sizeof(why) &&
	    !page_xfer_read_full(px->fd, why, h.len)) {
		why[h.len] = 0;
		pr_err("page server %s: %s", px->peer, why + 4);
		return px->err = -EIO;
	}
	if (h.type != PX_GET_DATA || h.len != len) {
		pr_err("page server %s: %s of %u bytes for a read of %u at %llu", px->peer,
		       page_xfer_type_name(h.type), h.len, len, (unsigned long long)off);
		return px->err = -EPROTO;
	}
	if (page_xfer_read_full(px->fd, buf, len))
		return px_fail(px, -EPIPE, "reading pages");
	if (page_xfer_frame_sum(h.type, h.seq, buf, len) != h.sum) {
		pr_err("page server %s: pages with a bad checksum", px->peer);
		return px->err = -EBADMSG;
	}
	return 0;
}

int page_xfer_get_read(struct page_xfer *px, uint32_t handle, uint64_t off, void *buf, uint32_t len)
{
	int ret = page_xfer_get_ask(px, handle, off, len);

	return ret ? ret : page_xfer_get_take(px, off, buf, len);
}

int page_xfer_start(const struct opts *o, struct page_xfer **out)
{
	int ret = page_xfer_connect(o->address, o->port, out);

	if (ret)
		return ret;
	page_xfer_csums(*out, !o->no_page_checksums);
	/* Unnamed: into the server's -D, as with criu. */
	ret = page_xfer_begin(*out, "", o->prev_images_dir);
	if (ret) {
		page_xfer_close(*out);
		*out = NULL;
	}
	return ret;
}
