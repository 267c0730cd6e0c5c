/*
 * Restore: copying page contents into a rebuilt process, in one pass.
 *
 * The target's memory is mapped without MAP_POPULATE and written with
 * process_vm_writev: the kernel allocates each page inside the write, through
 * get_user_pages, which costs far less than a hardware first-touch fault on
 * these VMs and touches every page once instead of twice (populate, then
 * copy). Measured here on 1 GiB: populate 0.4-1.7 s + copy 0.25 s, against
 * 0.5-0.7 s for the copy into unpopulated memory.
 *
 * Two threads overlap the two halves of the work: a reader fills a ring of
 * buffers from the pages files while the caller writes the previous buffer
 * into the target. A pages file mostly absent from the page cache (the dump
 * wrote it with O_DIRECT) is read with O_DIRECT too: from the disk into our
 * buffer, skipping the page cache's own allocation (buffered cold reads run
 * at ~450 MB/s here, direct ones at ~0.9-1 GB/s). A cached one is read
 * buffered (a memcpy from the cache).
 *
 * The reader checks every page it read against its checksum
 * (restore-csum.c) before the buffer is handed to a writer: a damaged page
 * never reaches the process.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "restore.h"

#define FILL_BUF (8ul << 20)
#define FILL_NBUF 4
#define FILL_IOV 1024 /* UIO_MAXIOV */
#define FILL_MAX_FILES 128
#define FILL_DIRECT_MIN (16l << 20) /* smaller cold files: buffered + readahead */
#define FILL_HOLE_MAX (256ul << 10) /* direct reads span holes up to this */

/* cachestat(2), Linux 6.5; Debian 12's headers lack it. */
#ifndef __NR_cachestat
#define __NR_cachestat 451
#endif
struct fill_cachestat_range {
	uint64_t off, len;
};
struct fill_cachestat {
	uint64_t nr_cache, nr_dirty, nr_writeback, nr_evicted, nr_recently_evicted;
};

struct fill_buf {
	size_t used, niov; /* buffer bytes used (holes included), iovecs */
	size_t bytes;	   /* bytes to write: the sum of the iovecs */
	bool full;	   /* filled by the reader, not yet written */
	bool last;
	int err; /* reader's error (-errno) at err_addr */
	unsigned long err_addr;
	struct iovec loc[FILL_IOV], rem[FILL_IOV];
};

/*
 * A pages file seen by the filler, by fd number. The filler outlives the
 * images it reads (restore --staged: one per iteration, and the final
 * restore), whose fds are closed and their numbers reused: the file's
 * identity says whether a number still means the same file.
 */
struct fill_file {
	int fd, direct_fd; /* direct_fd: O_DIRECT twin or -1 */
	dev_t dev;
	ino_t ino;
};

struct rst_filler {
	char *mem; /* FILL_NBUF * FILL_BUF, populated once */
	struct fill_buf buf[FILL_NBUF];
	struct fill_file files[FILL_MAX_FILES];
	size_t nr_files;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	size_t produced, taken; /* buffers filled, buffers claimed by a writer */
	bool read_done;		/* the last buffer is among the produced ones */
	bool stop;		/* a writer failed */
	int err;
	pid_t pid;
	const struct rst_segs *segs;
	const struct rst_csums *cs; /* checksums of the pages files, NULL: none */
	size_t direct_bytes, cached_bytes;
	uint64_t check_us;	    /* reader's CPU time checking checksums */
	uint64_t read_us, write_us; /* busy time of the reader and of the writers */
};

static uint64_t fill_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

struct rst_filler *rst_filler_new(void)
{
	struct rst_filler *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->mem = mmap(NULL, FILL_NBUF * FILL_BUF, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (f->mem == MAP_FAILED) {
		free(f);
		return NULL;
	}
	pthread_mutex_init(&f->mu, NULL);
	pthread_cond_init(&f->cv, NULL);
	return f;
}

void rst_filler_free(struct rst_filler *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->nr_files; i++)
		if (f->files[i].direct_fd >= 0)
			close(f->files[i].direct_fd);
	munmap(f->mem, FILL_NBUF * FILL_BUF);
	pthread_mutex_destroy(&f->mu);
	pthread_cond_destroy(&f->cv);
	free(f);
}

/*
 * True when less than half of a big file is in the page cache (unknown:
 * false). A small cold file (the last iterations of a chain, scattered
 * pages) is better read buffered, after asking for readahead of all of it:
 * page-sized direct reads would each wait for the disk.
 */
static bool fill_file_cold(int fd)
{
	struct fill_cachestat_range r = {0, 0}; /* len 0: to the end */
	struct fill_cachestat cs;
	off_t size = lseek(fd, 0, SEEK_END);

	if (size <= 0 || syscall(__NR_cachestat, fd, &r, &cs, 0))
		return false;
	if (cs.nr_cache * (uint64_t)sysconf(_SC_PAGESIZE) * 2 >= (uint64_t)size)
		return false;
	if (size >= FILL_DIRECT_MIN)
		return true;
	posix_fadvise(fd, 0, 0, POSIX_FADV_WILLNEED);
	return false;
}

/* The fd to read @fd's pages through: an O_DIRECT twin when the file is cold. */
static int fill_fd(struct rst_filler *f, int fd, bool *direct)
{
	char path[64];
	struct stat st;
	int dfd;

	for (size_t i = 0; i < f->nr_files; i++)
		if (f->files[i].fd == fd) {
			*direct = f->files[i].direct_fd >= 0;
			return *direct ? f->files[i].direct_fd : fd;
		}
	dfd = -1;
	if (fill_file_cold(fd)) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		dfd = open(path, O_RDONLY | O_DIRECT | O_CLOEXEC);
	}
	if (f->nr_files < FILL_MAX_FILES && !fstat(fd, &st))
		f->files[f->nr_files++] = (struct fill_file){fd, dfd, st.st_dev, st.st_ino};
	else if (dfd >= 0)
		close(dfd), dfd = -1;
	*direct = dfd >= 0;
	return *direct ? dfd : fd;
}

static int fill_read(struct rst_filler *f, const struct rst_seg *s, unsigned long done, char *dst,
		     size_t n)
{
	bool direct;
	int fd = fill_fd(f, s->pages_fd, &direct);

	for (size_t got = 0; got < n;) {
		ssize_t r = pread(fd, dst + got, n - got, (off_t)(s->off + done + got));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && direct && errno == EINVAL) {
			fd = s->pages_fd; /* the file system refused this direct read */
			direct = false;
			continue;
		}
		if (r <= 0)
			return r < 0 ? -errno : -EIO;
		got += (size_t)r;
	}
	if (direct)
		f->direct_bytes += n;
	else
		f->cached_bytes += n;
	return 0;
}

static bool fill_is_direct(struct rst_filler *f, int fd)
{
	bool direct;

	fill_fd(f, fd, &direct);
	return direct;
}

/*
 * Direct reads: segments of one file whose offsets follow each other with
 * small holes (pages that a later dump of the chain replaced) are read with
 * one pread, holes included: one disk request instead of one per segment.
 * Returns how many segments from @si go into a span of *span bytes.
 */
static size_t fill_span(const struct rst_segs *segs, size_t si, size_t room, size_t iovs,
			uint64_t *span)
{
	const struct rst_seg *a = &segs->s[si];
	uint64_t end = a->off + a->len;
	size_t k = si + 1;

	while (k < segs->n && k - si < iovs) {
		const struct rst_seg *b = &segs->s[k];

		if (b->pages_fd != a->pages_fd || b->off < end || b->off - end > FILL_HOLE_MAX ||
		    b->off + b->len - a->off > room)
			break;
		end = b->off + b->len;
		k++;
	}
	*span = end - a->off;
	return k - si;
}

/* CPU time of the calling thread: the cost of checking, without time spent preempted. */
static uint64_t fill_cpu_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* Holes of a span are not checked: they are not copied. */
static int fill_check(struct rst_filler *f, const struct rst_seg *s, unsigned long skip,
		      const char *buf, size_t n)
{
	uint64_t t0;
	int ret;

	if (!rst_csums_of(f->cs, s->pages_fd))
		return 0;
	t0 = fill_cpu_us();
	ret = rst_csums_check(f->cs, s, skip, buf, n, f->pid);
	f->check_us += fill_cpu_us() - t0;
	return ret;
}

/* Reads whole segments from @*si as one span if that gathers several; false if not. */
static bool fill_spanned(struct rst_filler *f, struct fill_buf *b, char *mem, size_t *si)
{
	const struct rst_seg *s = &f->segs->s[*si];
	uint64_t span;
	size_t cnt;

	if (s->len > FILL_BUF - b->used || !fill_is_direct(f, s->pages_fd))
		return false;
	cnt = fill_span(f->segs, *si, FILL_BUF - b->used, FILL_IOV - b->niov, &span);
	if (cnt < 2)
		return false;
	b->err = fill_read(f, s, 0, mem + b->used, span);
	if (b->err) {
		b->err_addr = s->vaddr;
		return true;
	}
	for (size_t j = 0; j < cnt; j++) {
		const struct rst_seg *g = &f->segs->s[*si + j];

		b->err = fill_check(f, g, 0, mem + b->used + (g->off - s->off), g->len);
		if (b->err) {
			b->err_addr = g->vaddr;
			return true;
		}
	}
	for (size_t j = 0; j < cnt; j++) {
		const struct rst_seg *g = &f->segs->s[*si + j];

		b->loc[b->niov] = (struct iovec){mem + b->used + (g->off - s->off), g->len};
		b->rem[b->niov] = (struct iovec){(void *)g->vaddr, g->len};
		b->niov++;
		b->bytes += g->len;
	}
	b->used += span;
	*si += cnt;
	return true;
}

/* Reader: fills the next buffer from segment @*si, offset @*done. */
static void fill_one(struct rst_filler *f, struct fill_buf *b, char *mem, size_t *si,
		     unsigned long *done)
{
	const struct rst_segs *segs = f->segs;

	b->used = b->niov = b->bytes = 0;
	b->err = 0;
	while (*si < segs->n && b->used < FILL_BUF && b->niov < FILL_IOV) {
		const struct rst_seg *s = &segs->s[*si];
		size_t n = s->len - *done;

		if (!*done && fill_spanned(f, b, mem, si)) {
			if (b->err)
				break;
			continue;
		}

		if (n > FILL_BUF - b->used)
			n = FILL_BUF - b->used;
		b->err = fill_read(f, s, *done, mem + b->used, n);
		if (!b->err)
			b->err = fill_check(f, s, *done, mem + b->used, n);
		if (b->err) {
			b->err_addr = s->vaddr + *done;
			break;
		}
		b->loc[b->niov] = (struct iovec){mem + b->used, n};
		b->rem[b->niov] = (struct iovec){(void *)(s->vaddr + *done), n};
		b->niov++;
		b->used += n;
		b->bytes += n;
		*done += n;
		if (*done == s->len) {
			(*si)++;
			*done = 0;
		}
	}
	b->last = b->err || *si == segs->n;
}

static void *fill_reader(void *arg)
{
	struct rst_filler *f = arg;
	unsigned long done = 0;
	size_t si = 0;

	for (size_t k = 0;; k++) {
		struct fill_buf *b = &f->buf[k % FILL_NBUF];
		bool stop;
		uint64_t t0;

		pthread_mutex_lock(&f->mu);
		while (!f->stop && b->full)
			pthread_cond_wait(&f->cv, &f->mu);
		stop = f->stop;
		pthread_mutex_unlock(&f->mu);
		if (stop)
			break;
		t0 = fill_now_us();
		fill_one(f, b, f->mem + (k % FILL_NBUF) * FILL_BUF, &si, &done);
		pthread_mutex_lock(&f->mu);
		f->read_us += fill_now_us() - t0;
		b->full = true;
		f->produced++;
		f->read_done = b->last;
		pthread_cond_broadcast(&f->cv);
		pthread_mutex_unlock(&f->mu);
		if (b->last)
			break;
	}
	return NULL;
}

static int fill_write(pid_t pid, const struct fill_buf *b)
{
	ssize_t n;

	if (b->err) {
		if (b->err != -EBADMSG) /* a checksum mismatch was logged with its file */
			pr_err("pid %d: reading pages for 0x%lx: %s", pid, b->err_addr,
			       strerror(-b->err));
		return b->err;
	}
	if (!b->niov)
		return 0;
	n = process_vm_writev(pid, b->loc, b->niov, b->rem, b->niov, 0);
	if (n != (ssize_t)b->bytes) {
		pr_err("pid %d: writing %zu bytes of pages at 0x%lx: %s", pid, b->bytes,
		       (unsigned long)b->rem[0].iov_base, n < 0 ? strerror(errno) : "short write");
		return n < 0 ? -errno : -EIO;
	}
	return 0;
}

/*
 * Writer: claims filled buffers in order and writes them. Several writers
 * fault the target's pages in in parallel (page allocation is most of the
 * cost); buffers hold disjoint ranges, so their order does not matter.
 */
static void *fill_writer(void *arg)
{
	struct rst_filler *f = arg;

	pthread_mutex_lock(&f->mu);
	for (;;) {
		struct fill_buf *b;
		uint64_t t0;
		int ret;

		while (!f->stop && f->taken == f->produced && !f->read_done)
			pthread_cond_wait(&f->cv, &f->mu);
		if (f->stop || f->taken == f->produced)
			break;
		b = &f->buf[f->taken++ % FILL_NBUF];
		pthread_mutex_unlock(&f->mu);
		t0 = fill_now_us();
		ret = fill_write(f->pid, b);
		pthread_mutex_lock(&f->mu);
		f->write_us += fill_now_us() - t0;
		b->full = false;
		if (ret && !f->stop) {
			f->stop = true;
			f->err = ret;
		}
		pthread_cond_broadcast(&f->cv);
	}
	pthread_mutex_unlock(&f->mu);
	return NULL;
}

/* Forgets the files whose fd numbers now name another file (or none): their twins go. */
static void fill_files_recheck(struct rst_filler *f)
{
	size_t k = 0;

	for (size_t i = 0; i < f->nr_files; i++) {
		struct fill_file *e = &f->files[i];
		struct stat st;

		if (!fstat(e->fd, &st) && st.st_dev == e->dev && st.st_ino == e->ino) {
			f->files[k++] = *e;
			continue;
		}
		if (e->direct_fd >= 0)
			close(e->direct_fd);
	}
	f->nr_files = k;
}

int rst_fill(struct rst_filler *f, pid_t pid, const struct rst_segs *segs)
{
	pthread_t rd, wr;
	bool have_wr;
	int ret;

	if (!segs->n)
		return 0;
	fill_files_recheck(f);
	f->segs = segs;
	f->pid = pid;
	f->produced = f->taken = 0;
	f->read_done = f->stop = false;
	f->err = 0;
	for (size_t i = 0; i < FILL_NBUF; i++)
		f->buf[i].full = false;
	ret = -pthread_create(&rd, NULL, fill_reader, f);
	if (ret) {
		pr_err("pid %d: cannot start the page reader: %s", pid, strerror(-ret));
		return ret;
	}
	/* A second writer helps where it can run; without it we are merely slower. */
	have_wr = !pthread_create(&wr, NULL, fill_writer, f);
	fill_writer(f);
	if (have_wr)
		pthread_join(wr, NULL);
	pthread_join(rd, NULL);
	return f->err;
}

void rst_filler_report(const struct rst_filler *f, pid_t pid)
{
	pr_debug("pid %d: pages read: %zu bytes direct (cold file), %zu buffered; reading %llu us "
		 "(checksums %llu us of CPU), writing %llu us",
		 pid, f->direct_bytes, f->cached_bytes, (unsigned long long)f->read_us,
		 (unsigned long long)f->check_us, (unsigned long long)f->write_us);
}

void rst_filler_set_csums(struct rst_filler *f, const struct rst_csums *cs)
{
	f->cs = cs;
}

struct rst_filler *rst_ctx_filler(struct rst_ctx *c)
{
	if (!c->filler) {
		c->filler = rst_filler_new();
		c->filler_owned = c->filler != NULL;
	}
	if (c->filler)
		rst_filler_set_csums(c->filler, &c->csums);
	return c->filler;
}
