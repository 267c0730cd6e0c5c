/*
 * Page server, the receiving side of page-xfer.h.
 *
 * Connections are served one at a time (a pre-dump chain is sequential
 * anyway, and a SIGKILLed server then takes its client's transfer with it
 * instead of leaving an orphan writer). Each frame is read whole into one
 * buffer populated up front, its checksum checked, and only then acted on:
 * page data goes to the pages file with one write per frame, entries are
 * written as pagemap_entry messages exactly as a local dump writes them.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "page-server-csum.h"
#include "page-server-get.h"
#include "page-server.h"
#include "page-xfer.h"
#include "pagemap.pb-c.h"

/* A client silent for this long is dropped (its iteration discarded). */
#define PS_IDLE_TIMEOUT_S 120
#define PS_STAGING_PREFIX ".pgsrv-"

volatile sig_atomic_t page_server_stop;

/*
 * Writing overlaps with receiving: a writer thread writes one frame's page
 * data while the next frame is received into the other buffer.
 */
struct ps_writer {
	pthread_t th;
	bool running, stop;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct img *img;
	bool direct; /* img->fd is O_DIRECT: write() it, bypassing the img buffer */
	const uint8_t *p;
	size_t len; /* the job; 0 when idle */
	int err;    /* first write error */
};

struct ps_conn {
	int fd;
	const struct img_dir *base;
	uint32_t rx_seq, tx_seq;
	bool hello;
	uint8_t *bufs[2]; /* PAGE_XFER_MAX_FRAME each, populated */
	uint8_t *buf;	  /* the one the next frame is read into */
	struct ps_writer w;
	size_t page_size;
	char peer[128];
	/* the iteration */
	bool in_iter;
	struct img_dir stage;
	char stage_name[PAGE_XFER_NAME_MAX + 64];
	char name[PAGE_XFER_NAME_MAX + 1];
	char parent[4096];
	uint64_t iter_images, iter_bytes;
	/* the image */
	struct img *pm, *pages;
	bool pages_direct;
	uint64_t img_entries, img_bytes, img_expect;
	unsigned long pages_id;
	struct ps_csum csum; /* page-server-csum.c */
	struct ps_get get;   /* pages files read by a lazily restoring client */
};

/*
 * Frames are whole pages from page-aligned buffers, and the pages file has
 * no header, so with O_DIRECT every write is aligned: the data skips the
 * page cache (fresh page-cache pages cost a first touch each on these VMs).
 */
static int ps_write_pages(struct img *img, bool direct, const uint8_t *p, size_t len)
{
	size_t done = 0;

	if (!direct)
		return img_write_raw(img, p, len);
	while (done < len) {
		ssize_t n = write(img->fd, p + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		done += (size_t)n;
	}
	return 0;
}

static void *ps_writer_main(void *arg)
{
	struct ps_writer *w = arg;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		int r;

		while (!w->len && !w->stop)
			pthread_cond_wait(&w->cv, &w->mu);
		if (!w->len)
			break;
		pthread_mutex_unlock(&w->mu);
		r = w->err ? 0 : ps_write_pages(w->img, w->direct, w->p, w->len);
		pthread_mutex_lock(&w->mu);
		if (r && !w->err)
			w->err = r;
		w->len = 0;
		pthread_cond_broadcast(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

static void ps_writer_start(struct ps_writer *w)
{
	memset(w, 0, sizeof(*w));
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	/* Without a thread, page data is written inline. */
	w->running = pthread_create(&w->th, NULL, ps_writer_main, w) == 0;
}

/* Waits until the writer is idle; returns (and clears) its first error. */
static int ps_writer_wait(struct ps_writer *w)
{
	int err;

	pthread_mutex_lock(&w->mu);
	while (w->len)
		pthread_cond_wait(&w->cv, &w->mu);
	err = w->err;
	w->err = 0;
	pthread_mutex_unlock(&w->mu);
	return err;
}

static int ps_writer_submit(struct ps_writer *w, struct img *img, bool direct, const uint8_t *p,
			    size_t len)
{
	int ret;

	if (!w->running)
		return ps_write_pages(img, direct, p, len);
	ret = ps_writer_wait(w);
	if (ret)
		return ret;
	pthread_mutex_lock(&w->mu);
	w->img = img;
	w->direct = direct;
	w->p = p;
	w->len = len;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	return 0;
}

static void ps_writer_stop(struct ps_writer *w)
{
	if (!w->running)
		return;
	ps_writer_wait(w);
	pthread_mutex_lock(&w->mu);
	w->stop = true;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->th, NULL);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	w->running = false;
}

/* Logs, tells the client why, and makes the connection end. */
static int __attribute__((format(printf, 3, 4)))
ps_refuse(struct ps_conn *c, int err, const char *fmt, ...)
{
	uint8_t buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf((char *)buf + 4, sizeof(buf) - 4, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n > sizeof(buf) - 5)
		n = (int)sizeof(buf) - 5;
	pr_err("page-server: client %s: %s", c->peer, (char *)buf + 4);
	page_xfer_put32(buf, (uint32_t)err);
	page_xfer_send_frame(c->fd, &c->tx_seq, PX_ERROR, buf, 4 + (size_t)n);
	shutdown(c->fd, SHUT_WR);
	return err;
}

/* ---- staging ---- */

/* fdopendir that owns @fd: closed when it fails; NULL for a negative @fd too. */
static DIR *ps_fdopendir(int fd)
{
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;

	if (!d && fd >= 0)
		close(fd);
	return d;
}

static void ps_rmdir_flat(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d = ps_fdopendir(fd);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			unlinkat(fd, de->d_name, 0);
	closedir(d);
	unlinkat(dirfd, name, AT_REMOVEDIR);
}

void page_server_clean_stale(const struct img_dir *base)
{
	DIR *d = ps_fdopendir(dup(base->fd));
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		int sfd;

		if (strncmp(de->d_name, PS_STAGING_PREFIX, strlen(PS_STAGING_PREFIX)))
			continue;
		sfd = openat(base->fd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sfd < 0)
			continue;
		/* A live server holds a lock on its staging dir (see ps_begin). */
		if (!flock(sfd, LOCK_EX | LOCK_NB)) {
			pr_info("page-server: removing stale staging dir '%s'", de->d_name);
			ps_rmdir_flat(base->fd, de->d_name);
		}
		close(sfd);
	}
	closedir(d);
}

static void ps_close_image(struct ps_conn *c)
{
	ps_writer_wait(&c->w);
	img_close(c->pm);
	img_close(c->pages);
	ps_csum_close(&c->csum, -EINTR);
	c->pm = c->pages = NULL;
}

static void ps_discard(struct ps_conn *c)
{
	if (!c->in_iter)
		return;
	ps_close_image(c);
	img_dir_close(&c->stage);
	ps_rmdir_flat(c->base->fd, c->stage_name);
	pr_warn("page-server: client %s: iteration '%s' discarded", c->peer, c->name);
	c->in_iter = false;
}

/* An iteration name: empty (the server's DIR itself) or one plain path component. */
static bool ps_name_ok(const char *s)
{
	if (*s == '.')
		return false;
	for (; *s; s++)
		if (*s == '/' || (unsigned char)*s < 0x20)
			return false;
	return true;
}

static int ps_begin(struct ps_conn *c, const uint8_t *p, uint32_t len)
{
	size_t nl, pl;
	char path[sizeof(c->base->path) + sizeof(c->stage_name) + 2];

	if (len < 4)
		return ps_refuse(c, -EPROTO, "short BEGIN");
	nl = page_xfer_get16(p);
	pl = page_xfer_get16(p + 2);
	if (4 + nl + pl != len || nl > PAGE_XFER_NAME_MAX || pl >= sizeof(c->parent))
		return ps_refuse(c, -EPROTO, "malformed BEGIN");
	memcpy(c->name, p + 4, nl);
	c->name[nl] = 0;
	memcpy(c->parent, p + 4 + nl, pl);
	c->parent[pl] = 0;
	if (!ps_name_ok(c->name) || strlen(c->name) != nl)
		return ps_refuse(c, -EINVAL, "bad iteration name '%.64s'", c->name);
	if (strlen(c->parent) != pl || c->parent[0] == '/')
		return ps_refuse(c, -EINVAL, "bad parent link '%.64s' (must be relative)",
				 c->parent);
	snprintf(c->stage_name, sizeof(c->stage_name), PS_STAGING_PREFIX "%d-%s%sXXXXXX",
		 (int)getpid(), c->name, c->name[0] ? "-" : "");
	snprintf(path, sizeof(path), "%s/%s", c->base->path, c->stage_name);
	if (!mkdtemp(path))
		return ps_refuse(c, -errno, "cannot create a staging dir in '%s': %s",
				 c->base->path, strerror(errno));
	snprintf(c->stage_name, sizeof(c->stage_name), "%s", strrchr(path, '/') + 1);
	if (img_dir_open(path, c->base->flags, &c->stage)) {
		unlinkat(c->base->fd, c->stage_name, AT_REMOVEDIR);
		return ps_refuse(c, -EIO, "cannot open staging dir '%s'", path);
	}
	/* Held until the fd closes, even if we are killed: tells live from stale. */
	flock(c->stage.fd, LOCK_EX | LOCK_NB);
	c->in_iter = true;
	c->iter_images = c->iter_bytes = 0;
	pr_debug("page-server: client %s: iteration '%s' (parent '%s') into '%s'", c->peer, c->name,
		 c->parent, c->stage_name);
	return 0;
}

/*
 * Moves the staged files into DIR itself (unnamed iteration) or into an
 * existing DIR/NAME (a repeated name), replacing files of the same name.
 */
static int ps_merge_into(struct ps_conn *c)
{
	int dfd = c->name[0] ? openat(c->base->fd, c->name,
				      O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
			     : dup(c->base->fd);
	int sfd = dup(c->stage.fd), ret = 0;
	struct dirent *de;
	DIR *d;

	if (dfd < 0 || sfd < 0 || !(d = fdopendir(sfd))) {
		ret = -errno;
		if (sfd >= 0)
			close(sfd);
		if (dfd >= 0)
			close(dfd);
		return ret;
	}
	while (!ret && (de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
		    renameat(sfd, de->d_name, dfd, de->d_name))
			ret = -errno;
	closedir(d);
	close(dfd);
	return ret;
}

static int ps_commit(struct ps_conn *c)
{
	uint8_t ans[16];
	int ret = 0;

	if (!c->in_iter || c->pm)
		return ps_refuse(c, -EPROTO, "COMMIT %s",
				 c->pm ? "with an image open" : "outside an iteration");
	if (c->parent[0])
		ret = img_dir_link_parent(&c->stage, c->parent);
	if (!ret && !c->name[0]) {
		ret = ps_merge_into(c);
	} else if (!ret &&
		   renameat2(c->base->fd, c->stage_name, c->base->fd, c->name, RENAME_NOREPLACE)) {
		ret = -errno;
		if (ret == -EEXIST || ret == -ENOTEMPTY)
			ret = ps_merge_into(c);
	}
	if (ret) {
		ret = ps_refuse(c, ret, "cannot commit iteration '%s' into '%s': %s", c->name,
				c->base->path, strerror(-ret));
		ps_discard(c);
		return ret;
	}
	img_dir_close(&c->stage);
	/* After a merge the staging dir is left empty; after a rename it is gone. */
	unlinkat(c->base->fd, c->stage_name, AT_REMOVEDIR);
	c->in_iter = false;
	pr_info("page-server: client %s: iteration '%s' committed (%llu images, %llu bytes of "
		"pages)",
		c->peer, c->name, (unsigned long long)c->iter_images,
		(unsigned long long)c->iter_bytes);
	page_xfer_put64(ans, c->iter_images);
	page_xfer_put64(ans + 8, c->iter_bytes);
	ret = page_xfer_send_frame(c->fd, &c->tx_seq, PX_COMMIT_OK, ans, sizeof(ans));
	if (ret)
		pr_warn("page-server: client %s: COMMIT_OK: %s", c->peer, strerror(-ret));
	return 0;
}

/* ---- images ---- */

/* Where the file system refuses O_DIRECT, pages go through the page cache. */
static bool ps_try_direct(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl >= 0 && !fcntl(fd, F_SETFL, fl | O_DIRECT);
}

static int ps_open(struct ps_conn *c, const uint8_t *p, uint32_t len)
{
	PagemapHead head = PAGEMAP_HEAD__INIT;
	uint32_t kind;
	uint64_t id, pages_id;
	enum img_kind k;
	int ret;

	if (!c->in_iter || c->pm || len != 24)
		return ps_refuse(c, -EPROTO, "unexpected OPEN");
	kind = page_xfer_get32(p);
	id = page_xfer_get64(p + 8);
	pages_id = page_xfer_get64(p + 16);
	if (kind != PX_IMG_PAGEMAP && kind != PX_IMG_SHMEM_PAGEMAP)
		return ps_refuse(c, -EINVAL, "unknown image kind %u", kind);
	if (id > UINT32_MAX || !pages_id || pages_id > UINT32_MAX)
		return ps_refuse(c, -EINVAL, "image id %llu / pages id %llu out of range",
				 (unsigned long long)id, (unsigned long long)pages_id);
	k = kind == PX_IMG_PAGEMAP ? IMG_PAGEMAP : IMG_SHMEM_PAGEMAP;
	head.pages_id = (uint32_t)pages_id;
	ret = img_open(&c->stage, k, (unsigned long)id, true, &c->pm);
	if (!ret)
		ret = img_write_msg(c->pm, &head.base);
	if (!ret)
		ret = img_open(&c->stage, IMG_PAGES, (unsigned long)pages_id, true, &c->pages);
	if (!ret)
		ret = ps_csum_open(&c->csum, &c->stage, (unsigned long)pages_id, c->page_size);
	if (ret) {
		ps_close_image(c);
		return ps_refuse(c, ret, "cannot create image %llu: %s", (unsigned long long)id,
				 strerror(-ret));
	}
	c->pages_direct = ps_try_direct(c->pages->fd);
	c->pages_id = (unsigned long)pages_id;
	c->img_entries = c->img_bytes = c->img_expect = 0;
	c->iter_images += 2;
	return 0;
}

static int ps_entries(struct ps_conn *c, const uint8_t *p, uint32_t len)
{
	const unsigned int known = PX_PE_PARENT | PX_PE_LAZY | PX_PE_PRESENT;

	if (!c->pm || len % PX_ENTRY_SIZE)
		return ps_refuse(c, -EPROTO, "unexpected ENTRIES of %u bytes", len);
	for (uint32_t off = 0; off < len; off += PX_ENTRY_SIZE) {
		PagemapEntry e = PAGEMAP_ENTRY__INIT;
		int ret;

		e.vaddr = page_xfer_get64(p + off);
		e.nr_pages = page_xfer_get32(p + off + 8);
		e.flags = page_xfer_get32(p + off + 12);
		if (!e.nr_pages || (e.flags & ~known) || e.vaddr % c->page_size ||
		    ((e.flags & PX_PE_PRESENT) && (e.flags & PX_PE_PARENT)))
			return ps_refuse(c, -EINVAL, "bad pagemap entry %llx+%u flags %#x",
					 (unsigned long long)e.vaddr, e.nr_pages, e.flags);
		e.has_flags = true;
		if (e.flags & PX_PE_PARENT) {
			e.has_in_parent = true;
			e.in_parent = true;
		}
		if (e.flags & PX_PE_PRESENT)
			c->img_expect += (uint64_t)e.nr_pages * c->page_size;
		ret = img_write_msg(c->pm, &e.base);
		if (ret)
			return ps_refuse(c, ret, "writing pagemap: %s", strerror(-ret));
		c->img_entries++;
	}
	return 0;
}

static int ps_pages(struct ps_conn *c, const uint8_t *p, uint32_t len)
{
	int ret;

	if (!c->pages || len % c->page_size)
		return ps_refuse(c, -EPROTO, "unexpected PAGES of %u bytes", len);
	ret = ps_csum_pages(&c->csum, p, len, c->img_bytes);
	if (ret == -EBADMSG)
		return ps_refuse(c, ret,
				 "refused: the page at offset 0x%llx of pages-%lu.img does not "
				 "match the checksum the client sent: damaged in transit or in "
				 "the client's memory; dump again",
				 (unsigned long long)c->csum.bad_off, c->pages_id);
	if (ret)
		return ps_refuse(c, ret,
				 "PAGES of %u bytes do not match the PAGE_CSUMS before them", len);
	ret = ps_writer_submit(&c->w, c->pages, c->pages_direct, p, len);
	if (ret)
		return ps_refuse(c, ret, "writing pages: %s", strerror(-ret));
	/* the writer owns this buffer now: the next frame goes to the other one */
	c->buf = c->buf == c->bufs[0] ? c->bufs[1] : c->bufs[0];
	c->img_bytes += len;
	c->iter_bytes += len;
	return 0;
}

static int ps_close(struct ps_conn *c, const uint8_t *p, uint32_t len)
{
	uint64_t nent, nbytes;
	int ret;

	if (!c->pm || len != 16)
		return ps_refuse(c, -EPROTO, "unexpected CLOSE");
	nent = page_xfer_get64(p);
	nbytes = page_xfer_get64(p + 8);
	ret = ps_writer_wait(&c->w);
	if (ret)
		return ps_refuse(c, ret, "writing pages: %s", strerror(-ret));
	if (nent != c->img_entries || nbytes != c->img_bytes || nbytes != c->img_expect)
		return ps_refuse(c, -EPROTO,
				 "image totals differ: client %llu entries/%llu bytes, server "
				 "%llu/%llu, entries ask %llu bytes",
				 (unsigned long long)nent, (unsigned long long)nbytes,
				 (unsigned long long)c->img_entries,
				 (unsigned long long)c->img_bytes,
				 (unsigned long long)c->img_expect);
	ret = img_close(c->pm);
	ret = img_close(c->pages) ?: ret;
	ret = ps_csum_close(&c->csum, ret);
	c->pm = c->pages = NULL;
	if (ret)
		return ps_refuse(c, ret, "closing images: %s", strerror(-ret));
	return 0;
}

/* ---- the conversation ---- */

static int ps_hello(struct ps_conn *c, const uint8_t *p, uint32_t len)
{
	uint8_t mine[PX_HELLO_SIZE];
	uint32_t ver;

	if (c->hello || len != PX_HELLO_SIZE)
		return ps_refuse(c, -EPROTO, "unexpected HELLO");
	ver = page_xfer_get32(p);
	page_xfer_hello_fill(mine, PAGE_XFER_VERSION);
	if (ver != PAGE_XFER_VERSION)
		return ps_refuse(c, -EPROTONOSUPPORT, "protocol version %u (this server speaks %u)",
				 ver, PAGE_XFER_VERSION);
	if (page_xfer_get32(p + 4) != c->page_size)
		return ps_refuse(c, -EINVAL, "page size %u (here %zu)", page_xfer_get32(p + 4),
				 c->page_size);
	if (memcmp(p + 12, mine + 12, 32))
		return ps_refuse(c, -EINVAL, "architecture '%.31s' (here '%.31s')",
				 (const char *)p + 12, (const char *)mine + 12);
	c->hello = true;
	/* page checksums: taken from clients that send them when this server keeps them */
	page_xfer_put32(mine + 8, c->csum.on ? PX_HELLO_PAGE_CSUM : 0);
	return page_xfer_send_frame(c->fd, &c->tx_seq, PX_HELLO_OK, mine, sizeof(mine));
}

/* GET_OPEN, GET_READ: the answer goes out of the frame buffer the request is not in. */
static int ps_get(struct ps_conn *c, uint16_t type, const uint8_t *p, uint32_t len)
{
	uint8_t *out = c->buf == c->bufs[0] ? c->bufs[1] : c->bufs[0];
	char why[300];
	uint32_t n = 0;
	int ret;

	if (c->in_iter)
		return ps_refuse(c, -EPROTO, "%s inside an iteration", page_xfer_type_name(type));
	if (type == PX_GET_OPEN)
		ret = ps_get_open(&c->get, c->base->fd, p, len, out, &n, why, sizeof(why));
	else
		ret = ps_get_read(&c->get, p, len, out, &n, why, sizeof(why));
	if (ret)
		return ps_refuse(c, ret, "%s", why);
	return page_xfer_send_frame(c->fd, &c->tx_seq,
				    type == PX_GET_OPEN ? PX_GET_FILE : PX_GET_DATA, out, n);
}

/* Acts on one checked frame. 1: the client said BYE. */
static int ps_dispatch(struct ps_conn *c, uint16_t type, uint32_t len)
{
	const uint8_t *p = c->buf;

	if (!c->hello && type != PX_HELLO)
		return ps_refuse(c, -EPROTO, "%s before HELLO", page_xfer_type_name(type));
	switch (type) {
	case PX_HELLO:
		return ps_hello(c, p, len);
	case PX_BEGIN:
		if (c->in_iter)
			return ps_refuse(c, -EPROTO, "BEGIN inside an iteration");
		return ps_begin(c, p, len);
	case PX_OPEN:
		return ps_open(c, p, len);
	case PX_ENTRIES:
		return ps_entries(c, p, len);
	case PX_PAGES:
		return ps_pages(c, p, len);
	case PX_PAGE_CSUMS:
		if (ps_csum_frame(&c->csum, p, len, c->page_size))
			return ps_refuse(c, -EPROTO, "unexpected PAGE_CSUMS of %u bytes", len);
		return 0;
	case PX_CLOSE:
		return ps_close(c, p, len);
	case PX_COMMIT:
		return ps_commit(c);
	case PX_GET_OPEN:
	case PX_GET_READ:
		return ps_get(c, type, p, len);
	case PX_BYE:
		return 1;
	default:
		return ps_refuse(c, -EPROTO, "unexpected %s frame", page_xfer_type_name(type));
	}
}

static int ps_loop(struct ps_conn *c)
{
	for (;;) {
		struct page_xfer_hdr h;
		char why[128];
		int ret;

		ret = page_xfer_recv_hdr(c->fd, &c->rx_seq, PAGE_XFER_MAX_FRAME, &h, why,
					 sizeof(why));
		if (ret == -EBADMSG)
			return ps_refuse(c, ret, "refused: %s", why);
		if (!ret)
			ret = page_xfer_read_full(c->fd, c->buf, h.len);
		if (ret == -EPIPE && !c->in_iter)
			return 0; /* left between iterations: fine */
		if (ret == -EAGAIN)
			return ps_refuse(c, -ETIMEDOUT, "idle for %d s", PS_IDLE_TIMEOUT_S);
		if (ret) {
			pr_err("page-server: client %s: %s", c->peer,
			       ret == -EPIPE ? "connection closed mid-iteration" : strerror(-ret));
			return ret;
		}
		if (page_xfer_frame_sum(h.type, h.seq, c->buf, h.len) != h.sum)
			return ps_refuse(c, -EBADMSG, "refused: checksum mismatch in %s frame %u",
					 page_xfer_type_name(h.type), h.seq);
		ret = ps_dispatch(c, h.type, h.len);
		if (ret)
			return ret > 0 ? 0 : ret;
	}
}

/*
 * After a refusal the client may still be sending: closing with unread data
 * would reset the connection and could drop our ERROR before the client
 * reads it. Drain for a moment instead (at most about a second).
 */
static void ps_linger(struct ps_conn *c)
{
	struct timeval tv = {.tv_usec = 200 * 1000};
	struct timespec t0, t;

	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		if (recv(c->fd, c->buf, PAGE_XFER_MAX_FRAME, 0) <= 0)
			break;
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (t.tv_sec - t0.tv_sec < 1);
}

int page_server_bufs_init(struct page_server_bufs *b)
{
	b->csums = true;
	b->mem = mmap(NULL, 2 * PAGE_XFER_MAX_FRAME, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (b->mem == MAP_FAILED) {
		int e = errno;

		b->mem = NULL;
		pr_err("page-server: frame buffers: %s", strerror(e));
		return -e;
	}
	return 0;
}

void page_server_bufs_fini(struct page_server_bufs *b)
{
	if (b->mem)
		munmap(b->mem, 2 * PAGE_XFER_MAX_FRAME);
	b->mem = NULL;
}

int page_server_conn(int fd, const struct img_dir *base, struct page_server_bufs *bufs,
		     bool *greeted)
{
	struct timeval tv = {.tv_sec = PS_IDLE_TIMEOUT_S};
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct ps_conn c;
	char host[64], serv[16];
	int ret;

	memset(&c, 0, sizeof(c));
	c.fd = fd;
	c.base = base;
	c.page_size = (size_t)sysconf(_SC_PAGESIZE);
	c.stage.fd = -1;
	c.csum.on = bufs->csums;
	snprintf(c.peer, sizeof(c.peer), "?");
	if (!getpeername(fd, (struct sockaddr *)&ss, &sl) &&
	    !getnameinfo((struct sockaddr *)&ss, sl, host, sizeof(host), serv, sizeof(serv),
			 NI_NUMERICHOST | NI_NUMERICSERV))
		snprintf(c.peer, sizeof(c.peer), "%s:%s", host, serv);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	c.bufs[0] = bufs->mem;
	c.bufs[1] = c.bufs[0] + PAGE_XFER_MAX_FRAME;
	c.buf = c.bufs[0];
	ps_writer_start(&c.w);
	ret = ps_loop(&c);
	if (c.in_iter)
		ps_discard(&c);
	ps_writer_stop(&c.w);
	ps_get_fini(&c.get);
	if (ret && ret != -EPIPE && ret != -EINTR)
		ps_linger(&c);
	if (greeted)
		*greeted = c.hello;
	close(fd);
	return ret;
}

int page_server_listen(const char *addr, int port, int *bound)
{
	struct addrinfo hints = {
		.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE};
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct addrinfo *res;
	char service[16], host[64];
	int fd, ret, one = 1;

	snprintf(service, sizeof(service), "%d", port);
	ret = getaddrinfo(addr, service, &hints, &res);
	if (ret) {
		pr_err("page-server: address '%s': %s", addr ? addr : "*", gai_strerror(ret));
		return -EINVAL;
	}
	fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC, res->ai_protocol);
	if (fd < 0) {
		ret = -errno;
		goto out;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, res->ai_addr, res->ai_addrlen) || listen(fd, 16) ||
	    getsockname(fd, (struct sockaddr *)&ss, &sl)) {
		ret = -errno;
		close(fd);
		goto out;
	}
	if (bound) {
		getnameinfo((struct sockaddr *)&ss, sl, host, sizeof(host), service,
			    sizeof(service), NI_NUMERICHOST | NI_NUMERICSERV);
		*bound = atoi(service);
	}
	ret = fd;
out:
	if (ret < 0)
		pr_err("page-server: listen on %s:%d: %s", addr ? addr : "*", port, strerror(-ret));
	freeaddrinfo(res);
	return ret;
}

int page_server_serve(int lfd, const struct img_dir *base, bool once, bool csums)
{
	struct page_server_bufs bufs;
	int ret = page_server_bufs_init(&bufs);

	bufs.csums = csums;
	while (!ret && !page_server_stop) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		bool greeted = false;

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			ret = -errno;
			pr_err("page-server: accept: %s", strerror(-ret));
			break;
		}
		page_server_conn(fd, base, &bufs, &greeted);
		if (once && greeted)
			break;
	}
	page_server_bufs_fini(&bufs);
	return ret;
}
