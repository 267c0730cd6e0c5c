/*
 * Page transfer protocol: a page server forked on 127.0.0.1 (ephemeral port)
 * receives iterations from the client API; the files it commits must be
 * byte-identical to the same images written locally through the image
 * layer. Lost clients, garbage, bad checksums, oversized frames, wrong
 * versions and inconsistent totals must leave no visible iteration behind,
 * and the server must go on serving.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "img-pagecsum.h"
#include "img.h"
#include "log.h"
#include "page-server.h"
#include "page-xfer.h"
#include "pagemap.pb-c.h"
#include "tap.h"

struct ent {
	unsigned long vaddr;
	size_t nr;
	unsigned int flags;
};

static size_t psz;
static char tmp[256];
static int port;

/* The local writer's format: head, then entries as dump-pages.c writes them. */
static int ref_write(const char *dir, enum img_kind k, unsigned long id, unsigned int pages_id,
		     const struct ent *e, size_t n, const uint8_t *data, size_t len)
{
	PagemapHead head = PAGEMAP_HEAD__INIT;
	struct img_dir d;
	struct img *pm = NULL, *pg = NULL;
	int ret;

	ret = img_dir_open(dir, true, &d);
	if (ret)
		return ret;
	head.pages_id = pages_id;
	ret = img_open(&d, k, id, true, &pm);
	if (!ret)
		ret = img_write_msg(pm, &head.base);
	for (size_t i = 0; i < n && !ret; i++) {
		PagemapEntry pe = PAGEMAP_ENTRY__INIT;

		pe.vaddr = e[i].vaddr;
		pe.nr_pages = (uint32_t)e[i].nr;
		pe.has_flags = true;
		pe.flags = e[i].flags;
		if (e[i].flags & PX_PE_PARENT) {
			pe.has_in_parent = true;
			pe.in_parent = true;
		}
		ret = img_write_msg(pm, &pe.base);
	}
	if (!ret)
		ret = img_open(&d, IMG_PAGES, pages_id, true, &pg);
	if (!ret)
		ret = img_write_raw(pg, data, len);
	ret = img_close(pm) ?: ret;
	ret = img_close(pg) ?: ret;
	img_dir_close(&d);
	return ret;
}

/* Sends one image; page data in uneven pieces (1, 3, 7, ... pages). */
static int send_image(struct page_xfer *px, enum img_kind k, unsigned long id,
		      unsigned int pages_id, const struct ent *e, size_t n, const uint8_t *data,
		      size_t len)
{
	size_t off = 0, step = 1;
	int ret = page_xfer_open_image(px, k, id, pages_id);

	for (size_t i = 0; i < n && !ret; i++)
		ret = page_xfer_entry(px, e[i].vaddr, e[i].nr, e[i].flags);
	while (!ret && off < len) {
		size_t l = step * psz < len - off ? step * psz : len - off;

		ret = page_xfer_pages(px, data + off, l);
		off += l;
		step = step * 2 + 1;
	}
	return ret ?: page_xfer_close_image(px);
}

static bool files_equal(const char *a, const char *b)
{
	FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
	bool eq = fa && fb;
	int ca, cb;

	while (eq) {
		ca = getc(fa);
		cb = getc(fb);
		if (ca != cb)
			eq = false;
		if (ca == EOF)
			break;
	}
	if (fa)
		fclose(fa);
	if (fb)
		fclose(fb);
	return eq;
}

static bool same_file(const char *name, const char *iter)
{
	char a[512], b[512];

	snprintf(a, sizeof(a), "%s/ref/%s", tmp, name);
	snprintf(b, sizeof(b), "%s/srv/%s/%s", tmp, iter, name);
	return files_equal(a, b);
}

static bool exists(const char *rel)
{
	char p[512];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", tmp, rel);
	return lstat(p, &st) == 0;
}

static int count_staging(void)
{
	char p[512];
	struct dirent *de;
	int n = 0;
	DIR *d;

	snprintf(p, sizeof(p), "%s/srv", tmp);
	d = opendir(p);
	if (!d)
		return -1;
	while ((de = readdir(d)))
		n += !strncmp(de->d_name, ".pgsrv-", 7);
	closedir(d);
	return n;
}

static pid_t start_server(void)
{
	struct img_dir base;
	char p[512];
	int lfd;
	pid_t pid;

	snprintf(p, sizeof(p), "%s/srv", tmp);
	if (img_dir_open(p, true, &base))
		return -1;
	lfd = page_server_listen("127.0.0.1", 0, &port);
	if (lfd < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		_exit(page_server_serve(lfd, &base, false, true) ? 1 : 0);
	}
	close(lfd);
	img_dir_close(&base);
	return pid;
}

static void test_hash(void)
{
	uint8_t buf[1000];
	uint64_t h0, h1;
	bool all_differ = true;

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	h0 = page_xfer_hash(buf, sizeof(buf), 1);
	ok(h0 == page_xfer_hash(buf, sizeof(buf), 1), "hash is deterministic");
	ok(h0 != page_xfer_hash(buf, sizeof(buf), 2), "hash depends on the seed");
	for (size_t bit = 0; bit < sizeof(buf) * 8; bit += 13) {
		buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		h1 = page_xfer_hash(buf, sizeof(buf), 1);
		buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		if (h1 == h0)
			all_differ = false;
	}
	ok(all_differ, "every single-bit flip (one in 13 bits, body and tail) changes the hash");
	ok(page_xfer_hash(buf, 999, 1) != page_xfer_hash(buf, 1000, 1) &&
		   page_xfer_hash(buf, 0, 1) != page_xfer_hash(buf, 0, 3),
	   "hash covers the length");
}

/* Pattern data: page i of image @id starts with its own number. */
static uint8_t *make_pages(size_t nr, unsigned int id)
{
	uint8_t *p = mmap(NULL, nr * psz, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	for (size_t i = 0; i < nr; i++)
		for (size_t j = 0; j < psz; j += 8)
			*(uint64_t *)(p + i * psz + j) = (uint64_t)id << 48 ^ i << 20 ^ j;
	return p;
}

/* Two images (private + shmem) in iteration @name, locally and through the server. */
/* pagecsum-@id.img of iteration @iter on the server: one value per page of @data. */
static bool csums_match(const char *iter, unsigned int id, const uint8_t *data, size_t nr)
{
	struct pagecsum_in in;
	struct img_dir d;
	char p[512];
	bool good;

	snprintf(p, sizeof(p), "%s/srv/%s", tmp, iter);
	if (img_dir_open(p, false, &d))
		return false;
	good = !pagecsum_load(&in, &d, id, psz, nr * psz) && in.crc && in.n == nr;
	for (size_t i = 0; good && i < nr; i++)
		good = in.crc[i] == pagecsum_of(data + i * psz, psz);
	pagecsum_in_fini(&in);
	img_dir_close(&d);
	return good;
}

static void test_iteration(const char *name, const char *parent)
{
	static const struct ent pe[] = {
		{0x400000, 3, PX_PE_PRESENT},	      {0x403000, 2, PX_PE_PARENT},
		{0x7f0000000000, 700, PX_PE_PRESENT}, {0x7f00002bc000, 1, PX_PE_PARENT},
		{0x7ffff0000000, 1, PX_PE_PRESENT},
	};
	static const struct ent se[] = {{0, 5, PX_PE_PRESENT}, {0x10000, 4, PX_PE_PRESENT}};
	char ref[512], link[64];
	struct page_xfer *px = NULL;
	uint8_t *data = make_pages(704, 1), *sdata = make_pages(9, 2);
	int ret;

	snprintf(ref, sizeof(ref), "%s/ref", tmp);
	ret = ref_write(ref, IMG_PAGEMAP, 42, 1, pe, 5, data, 704 * psz)
		      ?: ref_write(ref, IMG_SHMEM_PAGEMAP, 7, 2, se, 2, sdata, 9 * psz);
	ok(!ret, "reference images written locally");
	ret = page_xfer_connect("127.0.0.1", port, &px);
	ok(!ret, "client connects and says hello");
	if (ret)
		return;
	ok(page_xfer_csums(px, true), "the server takes page checksums (HELLO_OK flag)");
	ret = page_xfer_begin(px, name, parent) ?:
	      send_image(px, IMG_PAGEMAP, 42, 1, pe, 5, data, 704 * psz) ?:
	      send_image(px, IMG_SHMEM_PAGEMAP, 7, 2, se, 2, sdata, 9 * psz);
	ok(!ret, "iteration '%s' sent", name);
	ret = page_xfer_commit(px);
	ok(!ret, "iteration '%s' committed", name);
	page_xfer_close(px);
	ok(same_file("pagemap-42.img", name) && same_file("pages-1.img", name),
	   "pagemap-42.img and pages-1.img of '%s' are byte-identical to the local ones", name);
	if (!name[0])
		ok(exists("srv/pagemap-42.img") && exists("srv/pages-2.img"),
		   "unnamed iteration lands in the server's directory itself");
	ok(same_file("pagemap-shmem-7.img", name) && same_file("pages-2.img", name),
	   "pagemap-shmem-7.img and pages-2.img of '%s' are byte-identical", name);
	ok(csums_match(name, 1, data, 704) && csums_match(name, 2, sdata, 9),
	   "pagecsum-1.img and pagecsum-2.img of '%s' hold the checksum of every page sent", name);
	if (parent) {
		char p[512];
		ssize_t n;

		snprintf(p, sizeof(p), "%s/srv/%s/parent", tmp, name);
		n = readlink(p, link, sizeof(link) - 1);
		link[n > 0 ? n : 0] = 0;
		ok(!strcmp(link, parent), "'%s/parent' links to '%s' (got '%s')", name, parent,
		   link);
	}
	ok(count_staging() == 0, "no staging dir left after the commit");
	munmap(data, 704 * psz);
	munmap(sdata, 9 * psz);
}

/* A client that dies after sending part of an iteration. */
static void test_client_killed(void)
{
	struct page_xfer *px;
	uint8_t *data = make_pages(256, 3);
	int st = 0;
	pid_t pid = fork();

	if (pid == 0) {
		if (page_xfer_connect("127.0.0.1", port, &px) || page_xfer_begin(px, "3", "../2") ||
		    page_xfer_open_image(px, IMG_PAGEMAP, 1, 1) ||
		    page_xfer_entry(px, 0x1000, 512, PX_PE_PRESENT) ||
		    page_xfer_pages(px, data, 256 * psz))
			_exit(1);
		kill(getpid(), SIGKILL);
		_exit(1);
	}
	waitpid(pid, &st, 0);
	ok(WIFSIGNALED(st), "client killed itself in the middle of an iteration");
	munmap(data, 256 * psz);
}

/* Raw connection for malformed input. */
static int raw_connect(void)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Reads the server's answer: it must be an ERROR whose text holds @want, then EOF. */
static bool raw_expect_error(int fd, const char *want, char *text, size_t tlen)
{
	uint8_t hb[PAGE_XFER_HDR_SIZE], buf[600];
	struct page_xfer_hdr h;
	bool good = false;

	text[0] = 0;
	for (uint32_t seq = 0;; seq++) {
		if (page_xfer_read_full(fd, hb, sizeof(hb)))
			break;
		page_xfer_hdr_unpack(hb, &h);
		if (h.magic != PAGE_XFER_MAGIC || h.len >= sizeof(buf) ||
		    page_xfer_read_full(fd, buf, h.len) || h.seq != seq)
			break;
		if (h.type != PX_ERROR || h.len < 4)
			continue; /* HELLO_OK before the refusal */
		buf[h.len] = 0;
		snprintf(text, tlen, "%s", (char *)buf + 4);
		good = strstr(text, want) && (int32_t)page_xfer_get32(buf) < 0 &&
		       page_xfer_frame_sum(h.type, h.seq, buf, h.len) == h.sum;
		break;
	}
	/* then the server closes */
	return good && recv(fd, buf, 1, 0) == 0;
}

static void raw_frame(int fd, uint32_t *seq, uint16_t type, const void *p, size_t len, bool corrupt)
{
	struct page_xfer_hdr h = {
		.magic = PAGE_XFER_MAGIC, .type = type, .len = (uint32_t)len, .seq = *seq};
	uint8_t hb[PAGE_XFER_HDR_SIZE];

	h.sum = page_xfer_frame_sum(type, *seq, p, len) ^ (corrupt ? 0x100 : 0);
	page_xfer_hdr_pack(&h, hb);
	if (send(fd, hb, sizeof(hb), MSG_NOSIGNAL) < 0 ||
	    (len && send(fd, p, len, MSG_NOSIGNAL) < 0))
		return;
	(*seq)++;
}

static void test_garbage(void)
{
	static const char http[] = "GET / HTTP/1.0\r\nHost: x\r\n\r\n";
	uint8_t hello[PX_HELLO_SIZE], big[PAGE_XFER_HDR_SIZE];
	struct page_xfer_hdr h = {.magic = PAGE_XFER_MAGIC, .type = PX_PAGES, .len = 1u << 30};
	uint8_t begin[5] = {1, 0, 0, 0, 'g'}, open_[24] = {1}, page[4096] = {0};
	char text[512];
	uint32_t seq;
	int fd;

	fd = raw_connect();
	send(fd, http, sizeof(http) - 1, MSG_NOSIGNAL);
	ok(raw_expect_error(fd, "bad magic", text, sizeof(text)), "garbage refused: '%s'", text);
	close(fd);

	fd = raw_connect();
	seq = 0;
	page_xfer_hello_fill(hello, PAGE_XFER_VERSION);
	raw_frame(fd, &seq, PX_HELLO, hello, sizeof(hello), true);
	ok(raw_expect_error(fd, "checksum", text, sizeof(text)), "bad checksum refused: '%s'",
	   text);
	close(fd);

	fd = raw_connect();
	page_xfer_hdr_pack(&h, big);
	send(fd, big, sizeof(big), MSG_NOSIGNAL);
	ok(raw_expect_error(fd, "limit", text, sizeof(text)), "oversized frame refused: '%s'",
	   text);
	close(fd);

	fd = raw_connect();
	seq = 0;
	page_xfer_hello_fill(hello, 99);
	raw_frame(fd, &seq, PX_HELLO, hello, sizeof(hello), false);
	ok(raw_expect_error(fd, "version 99", text, sizeof(text)), "version 99 refused: '%s'",
	   text);
	close(fd);

	/* A corrupted page frame in the middle of an iteration. */
	fd = raw_connect();
	seq = 0;
	page_xfer_hello_fill(hello, PAGE_XFER_VERSION);
	raw_frame(fd, &seq, PX_HELLO, hello, sizeof(hello), false);
	raw_frame(fd, &seq, PX_BEGIN, begin, sizeof(begin), false);
	page_xfer_put64(open_ + 8, 9);
	page_xfer_put64(open_ + 16, 9);
	raw_frame(fd, &seq, PX_OPEN, open_, sizeof(open_), false);
	raw_frame(fd, &seq, PX_PAGES, page, psz <= sizeof(page) ? psz : sizeof(page), true);
	ok(raw_expect_error(fd, "checksum mismatch in PAGES", text, sizeof(text)),
	   "corrupted page data refused: '%s'", text);
	close(fd);

	/* Frames out of order: OPEN before BEGIN. */
	fd = raw_connect();
	seq = 0;
	raw_frame(fd, &seq, PX_HELLO, hello, sizeof(hello), false);
	raw_frame(fd, &seq, PX_OPEN, open_, sizeof(open_), false);
	ok(raw_expect_error(fd, "unexpected OPEN", text, sizeof(text)),
	   "OPEN outside an "
	   "iteration refused: '%s'",
	   text);
	close(fd);
}

/*
 * A page damaged after its checksum was taken (in transit behind the frame
 * sum, or in the client's memory): the frame's own sum is right, the page's
 * CRC32C is not. The server refuses and keeps nothing.
 */
static void test_transit(void)
{
	uint8_t hello[PX_HELLO_SIZE], begin[5] = {1, 0, 0, 0, 't'}, open_[24] = {1};
	uint8_t ent[PX_ENTRY_SIZE], crcs[8], *data = make_pages(2, 5);
	char text[512];
	uint32_t seq = 0;
	int fd = raw_connect();

	page_xfer_hello_fill(hello, PAGE_XFER_VERSION);
	page_xfer_put32(hello + 8, PX_HELLO_PAGE_CSUM);
	raw_frame(fd, &seq, PX_HELLO, hello, sizeof(hello), false);
	raw_frame(fd, &seq, PX_BEGIN, begin, sizeof(begin), false);
	page_xfer_put64(open_ + 8, 11);
	page_xfer_put64(open_ + 16, 11);
	raw_frame(fd, &seq, PX_OPEN, open_, sizeof(open_), false);
	page_xfer_put64(ent, 0x10000);
	page_xfer_put32(ent + 8, 2);
	page_xfer_put32(ent + 12, PX_PE_PRESENT);
	raw_frame(fd, &seq, PX_ENTRIES, ent, sizeof(ent), false);
	page_xfer_put32(crcs, pagecsum_of(data, psz));
	page_xfer_put32(crcs + 4, pagecsum_of(data + psz, psz));
	raw_frame(fd, &seq, PX_PAGE_CSUMS, crcs, sizeof(crcs), false);
	data[psz + 100] ^= 0x04; /* the second page, after its checksum was taken */
	raw_frame(fd, &seq, PX_PAGES, data, 2 * psz, false);
	ok(raw_expect_error(fd, "does not match the checksum the client sent", text,
			    sizeof(text)) &&
		   strstr(text, "pages-11.img"),
	   "a page damaged behind a right frame sum is refused: '%s'", text);
	close(fd);
	munmap(data, 2 * psz);
}

/* Entries ask for more page data than was sent: the commit must fail. */
static void test_totals(void)
{
	struct page_xfer *px;
	uint8_t *data = make_pages(1, 4);
	int ret;

	ret = page_xfer_connect("127.0.0.1", port, &px);
	if (!ret) {
		ret = page_xfer_begin(px, "short", NULL) ?:
		      page_xfer_open_image(px, IMG_PAGEMAP, 5, 5) ?:
		      page_xfer_entry(px, 0x1000, 2, PX_PE_PRESENT) ?:
		      page_xfer_pages(px, data, psz) ?: page_xfer_close_image(px);
		ret = ret ?: page_xfer_commit(px);
		page_xfer_close(px);
	}
	ok(ret == -EPROTO, "entries asking 2 pages with 1 page sent: commit fails (%d)", ret);
	munmap(data, psz);
}

static void test_throughput(void)
{
	const size_t nr = (256u << 20) / psz;
	struct page_xfer *px;
	uint8_t *data = make_pages(PAGE_XFER_PAGES_FRAME / psz, 5);
	struct timespec t0, t1;
	double s;
	int ret;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	ret = page_xfer_connect("127.0.0.1", port, &px);
	if (!ret) {
		ret = page_xfer_begin(px, "big", NULL) ?:
		      page_xfer_open_image(px, IMG_PAGEMAP, 6, 6) ?:
		      page_xfer_entry(px, 0x10000000, nr, PX_PE_PRESENT);
		for (size_t done = 0; !ret && done < nr * psz; done += PAGE_XFER_PAGES_FRAME)
			ret = page_xfer_pages(px, data, PAGE_XFER_PAGES_FRAME);
		ret = ret ?: page_xfer_close_image(px) ?: page_xfer_commit(px);
		page_xfer_close(px);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	ok(!ret, "256 MiB iteration committed");
	printf("# 256 MiB over loopback in %.3f s: %.0f MiB/s\n", s, 256 / s);
	munmap(data, PAGE_XFER_PAGES_FRAME);
}

int main(void)
{
	char cmd[600];
	pid_t srv;
	int st = 0;

	log_init(LOG_ERROR, NULL);
	psz = (size_t)sysconf(_SC_PAGESIZE);
	snprintf(tmp, sizeof(tmp), "%s/crl-pgxfer.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(tmp)) {
		perror("mkdtemp");
		return 1;
	}
	test_hash();
	srv = start_server();
	ok(srv > 0 && port > 0, "server listens on 127.0.0.1:%d", port);
	if (srv <= 0)
		return tap_done();
	test_iteration("1", NULL);
	test_iteration("2", "../1");
	test_client_killed();
	test_garbage();
	test_totals();
	test_transit();
	/* The server is sequential: this one is served after the failures above. */
	test_iteration("4", "../2");
	/* Unnamed, as dump sends: into the server's directory itself. */
	test_iteration("", "4");
	ok(!exists("srv/3") && !exists("srv/g") && !exists("srv/short") && !exists("srv/t"),
	   "no iteration of a lost, corrupted or inconsistent client is visible");
	ok(count_staging() == 0, "their staging dirs were removed");
	ok(exists("srv/1/pages-1.img") && exists("srv/2/pagemap-42.img"),
	   "earlier iterations are intact");
	test_throughput();
	kill(srv, SIGKILL);
	waitpid(srv, &st, 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	if (system(cmd))
		printf("# could not remove %s\n", tmp);
	return tap_done();
}
