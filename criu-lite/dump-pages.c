/*
 * Memory contents: pagemap-PID.img + pages-N.img for private memory, and
 * pagemap-shmem-ID.img + pages-N.img once per shared anonymous object.
 *
 * Which pages: present or swapped ones from PAGEMAP_SCAN regions, or
 * /proc/PID/pagemap where the ioctl is missing or filtered; in private
 * file mappings only the anonymous (COWed) ones, as the rest is in the file;
 * never the shared zero page. An optional filter (struct dump_page_filter)
 * narrows the set to pages changed since a parent dump; the others become
 * PE_PARENT entries.
 *
 * How: runs of pages are gathered as remote iovecs into one batch buffer
 * (allocated once, populated up front: first touch is expensive here),
 * copied with process_vm_readv (falling back to /proc/PID/mem for what it
 * cannot read, such as PROT_NONE areas), and written with one write() by a
 * writer thread while the next batch is read into the other half.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "arch.h"
#include "dump.h"
#include "log.h"
#include "pagemap.h"
#include "pagemap-scan.h"
#include "page-xfer.h"
#include "pagemap.pb-c.h"

#define PE_PARENT (1u << 0)
#define PE_PRESENT (1u << 2)

#define PAGEBUF_SIZE (32u << 20)
#define BATCH_IOVS 1024	      /* UIO_MAXIOV */
#define PME_CHUNK (64u << 10) /* pagemap entries read at once */

static size_t page_size;

/*
 * The pfn a read fault maps at @addr of our own memory: the zero page, or
 * with THP the first pfn of the huge zero page. 0 if unknown.
 */
static uint64_t zero_pfn_at(volatile char *addr)
{
	uint64_t pme = 0, pfn = 0;
	int fd;

	(void)addr[0];
	fd = pagemap_open(getpid());
	if (fd >= 0) {
		if (!pagemap_read(fd, (unsigned long)addr, 1, &pme) && (pme & PME_PRESENT))
			pfn = pme & PME_PFN_MASK;
		close(fd);
	}
	return pfn;
}

/* Zero page pfns, so that never-written memory is not dumped. */
static void find_zero_pfns(struct dump_ctx *ctx)
{
	unsigned long thp = arch_thp_size(), a;
	char *p;

	p = mmap(NULL, page_size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p != MAP_FAILED) {
		ctx->zero_pfn = zero_pfn_at(p);
		munmap(p, page_size);
	}
	if (!thp)
		return;
	p = mmap(NULL, 2 * thp, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return;
	a = ((unsigned long)p + thp - 1) & ~(thp - 1);
	if (!madvise((void *)a, thp, MADV_HUGEPAGE)) {
		uint64_t pfn = zero_pfn_at((char *)a);

		/* A huge zero page shows as thp/page_size consecutive pfns. */
		if (pfn && pfn != ctx->zero_pfn && !(pfn % (thp / page_size))) {
			ctx->huge_zero_pfn = pfn;
			ctx->huge_zero_nr = thp / page_size;
		}
	}
	munmap(p, 2 * thp);
}

int dump_pages_init(struct dump_ctx *ctx)
{
	page_size = (size_t)sysconf(_SC_PAGESIZE);
	ctx->pagebuf_len = PAGEBUF_SIZE;
	ctx->pagebuf = mmap(NULL, ctx->pagebuf_len, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (ctx->pagebuf == MAP_FAILED) {
		ctx->pagebuf = NULL;
		pr_err("dump: page buffer of %zu bytes: %s", ctx->pagebuf_len, strerror(errno));
		return -ENOMEM;
	}
	find_zero_pfns(ctx);
	pr_debug("dump: zero page pfn %#llx, huge zero page pfn %#llx (%llu pages)",
		 (unsigned long long)ctx->zero_pfn, (unsigned long long)ctx->huge_zero_pfn,
		 (unsigned long long)ctx->huge_zero_nr);
	return 0;
}

void dump_pages_fini(struct dump_ctx *ctx)
{
	if (ctx->pagebuf)
		munmap(ctx->pagebuf, ctx->pagebuf_len);
	ctx->pagebuf = NULL;
	free(ctx->shmids);
	ctx->shmids = NULL;
	ctx->nr_shmids = 0;
}

/*
 * Writing pages overlaps with reading the next batch: a writer thread takes
 * one half of the page buffer while the reader fills the other.
 */
struct page_writer {
	pthread_t th;
	bool running;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct img *img;
	struct page_xfer *px; /* --page-server: pages go there instead */
	int direct_fd;	      /* img's fd opened O_DIRECT, -1: write through img */
	const uint8_t *buf;
	size_t len; /* the job; 0 when idle */
	bool stop;
	int err; /* first write error */
	uint64_t busy_us;
};

/*
 * With O_DIRECT the pages go from our populated buffer to the disk without
 * page-cache copies (fresh page-cache pages cost a first touch each here).
 * Every write is page-aligned in address, length and file offset.
 */
static int writer_write(struct page_writer *w, const uint8_t *buf, size_t len)
{
	size_t done = 0;

	if (w->px)
		return page_xfer_pages(w->px, buf, len);
	if (w->direct_fd < 0)
		return img_write_raw(w->img, buf, len);
	while (done < len) {
		ssize_t n = write(w->direct_fd, buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = n < 0 ? errno : EIO;

			pr_err("image '%s': write: %s", w->img->path, strerror(e));
			return -e;
		}
		done += (size_t)n;
	}
	return 0;
}

static void *writer_main(void *arg)
{
	struct page_writer *w = arg;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		const uint8_t *buf;
		size_t len;
		uint64_t t0;
		int r;

		while (!w->len && !w->stop)
			pthread_cond_wait(&w->cv, &w->mu);
		if (!w->len)
			break;
		buf = w->buf;
		len = w->len;
		pthread_mutex_unlock(&w->mu);
		t0 = dump_now_us();
		r = w->err ? 0 : writer_write(w, buf, len);
		pthread_mutex_lock(&w->mu);
		if (r && !w->err)
			w->err = r;
		w->busy_us += dump_now_us() - t0;
		w->len = 0;
		pthread_cond_broadcast(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

static void writer_start(struct page_writer *w, struct img *img, struct page_xfer *px)
{
	int fl = img ? fcntl(img->fd, F_GETFL) : -1;

	memset(w, 0, sizeof(*w));
	w->img = img;
	w->px = px;
	/* Where the file system refuses O_DIRECT (tmpfs on old kernels), write buffered. */
	w->direct_fd = fl >= 0 && !fcntl(img->fd, F_SETFL, fl | O_DIRECT) ? img->fd : -1;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	/*
	 * Without a thread, writes happen inline. The page server connection
	 * carries entries too, from this thread: frames must not interleave.
	 */
	w->running = !px && pthread_create(&w->th, NULL, writer_main, w) == 0;
}

/* Waits until the writer is idle; returns its first error. */
static int writer_wait(struct page_writer *w)
{
	int err;

	pthread_mutex_lock(&w->mu);
	while (w->len)
		pthread_cond_wait(&w->cv, &w->mu);
	err = w->err;
	pthread_mutex_unlock(&w->mu);
	return err;
}

static int writer_submit(struct page_writer *w, const uint8_t *buf, size_t len)
{
	int ret;

	if (!w->running) {
		uint64_t t0 = dump_now_us();

		ret = writer_write(w, buf, len);
		w->busy_us += dump_now_us() - t0;
		return ret;
	}
	ret = writer_wait(w);
	if (ret)
		return ret;
	pthread_mutex_lock(&w->mu);
	w->buf = buf;
	w->len = len;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	return 0;
}

static int writer_stop(struct page_writer *w)
{
	int err = w->running ? writer_wait(w) : w->err;

	if (w->running) {
		pthread_mutex_lock(&w->mu);
		w->stop = true;
		pthread_cond_broadcast(&w->cv);
		pthread_mutex_unlock(&w->mu);
		pthread_join(w->th, NULL);
		w->running = false;
	}
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	return err;
}

/* One pagemap-*.img + pages-N.img pair being written. */
struct page_out {
	struct dump_ctx *ctx;
	pid_t pid;
	int mem_fd; /* /proc/PID/mem, opened on first need */
	struct img *pm, *pages;
	/* the entry being grown */
	unsigned long ent_addr;
	size_t ent_nr;
	unsigned int ent_flags;
	/* the read batch: remote ranges landing back to back in half[cur] */
	struct iovec iov[BATCH_IOVS];
	size_t nr_iov, bytes;
	uint8_t *half[2];
	size_t half_len;
	int cur;
	bool threaded;
	struct page_writer w;
	struct page_xfer *px; /* --page-server connection, NULL: local files */
	bool px_open;
};

static int out_open(struct page_out *po, struct dump_ctx *ctx, pid_t pid, enum img_kind k,
		    unsigned long id)
{
	PagemapHead head = PAGEMAP_HEAD__INIT;
	int ret;

	memset(po, 0, sizeof(*po));
	po->ctx = ctx;
	po->pid = pid;
	po->mem_fd = -1;
	head.pages_id = ++ctx->next_pages_id;
	po->half_len = ctx->pagebuf_len / 2;
	po->half[0] = ctx->pagebuf;
	po->half[1] = ctx->pagebuf + po->half_len;
	po->px = ctx->px;
	if (po->px) {
		ret = page_xfer_open_image(po->px, k, id, head.pages_id);
		if (ret)
			return ret;
		po->px_open = true;
		writer_start(&po->w, NULL, po->px);
		po->threaded = true;
		return 0;
	}
	ret = img_open(&ctx->dir, k, id, true, &po->pm);
	if (ret)
		return ret;
	ret = img_write_msg(po->pm, &head.base);
	if (!ret)
		ret = img_open(&ctx->dir, IMG_PAGES, head.pages_id, true, &po->pages);
	if (!ret && k == IMG_PAGEMAP) {
		writer_start(&po->w, po->pages, NULL);
		po->threaded = true;
	}
	return ret;
}

/* /proc/PID/mem for what process_vm_readv refused (unreadable areas). */
static int batch_read_mem(struct page_out *po, size_t iov_idx, size_t skip, uint8_t *dst)
{
	for (size_t i = iov_idx; i < po->nr_iov; i++, skip = 0) {
		size_t len = po->iov[i].iov_len - skip;
		unsigned long addr = (unsigned long)po->iov[i].iov_base + skip;
		size_t done = 0;

		if (po->mem_fd < 0) {
			char path[64];

			snprintf(path, sizeof(path), "/proc/%d/mem", po->pid);
			po->mem_fd = open(path, O_RDONLY | O_CLOEXEC);
			if (po->mem_fd < 0)
				return -errno;
		}
		while (done < len) {
			ssize_t n = pread(po->mem_fd, dst + done, len - done, (off_t)(addr + done));

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				int e = n < 0 ? errno : EIO;

				pr_err("dump: memory of pid %d at %lx: %s", po->pid, addr + done,
				       strerror(e));
				return -e;
			}
			done += (size_t)n;
		}
		dst += len;
	}
	return 0;
}

static int batch_flush(struct page_out *po)
{
	struct dump_ctx *ctx = po->ctx;
	uint8_t *dst = po->half[po->cur];
	size_t i = 0, off = 0;
	uint64_t t0 = dump_now_us();
	int ret = 0;

	if (!po->bytes)
		return 0;
	while (i < po->nr_iov) {
		struct iovec local = {dst, po->bytes - off};
		ssize_t n = process_vm_readv(po->pid, &local, 1, &po->iov[i], po->nr_iov - i, 0);
		size_t got = n > 0 ? (size_t)n : 0;

		/* Advance over the fully read remote ranges. */
		while (i < po->nr_iov && got >= po->iov[i].iov_len) {
			got -= po->iov[i].iov_len;
			off += po->iov[i].iov_len;
			dst += po->iov[i].iov_len;
			i++;
		}
		if (i == po->nr_iov)
			break;
		if (n > 0 && got == 0)
			continue;
		/* Partial or failed: the rest of the batch through /proc/PID/mem. */
		ret = batch_read_mem(po, i, got, dst + got);
		if (ret)
			return ret;
		dst += got;
		break;
	}
	ctx->st.memdump_us += dump_now_us() - t0;
	if (ctx->hooks.written) {
		const uint8_t *data = po->half[po->cur];

		for (i = 0; i < po->nr_iov; i++) {
			ctx->hooks.written(ctx->hooks.arg, po->pid,
					   (unsigned long)po->iov[i].iov_base, data,
					   po->iov[i].iov_len / page_size);
			data += po->iov[i].iov_len;
		}
	}
	ret = writer_submit(&po->w, po->half[po->cur], po->bytes);
	ctx->st.pages_written += po->bytes / page_size;
	po->cur ^= 1;
	po->nr_iov = 0;
	po->bytes = 0;
	return ret;
}

static int batch_add(struct page_out *po, unsigned long addr, size_t nr)
{
	size_t len = nr * page_size;
	int ret;

	while (len) {
		size_t room = po->half_len - po->bytes, take = len < room ? len : room;

		if (!room || po->nr_iov == BATCH_IOVS) {
			ret = batch_flush(po);
			if (ret)
				return ret;
			continue;
		}
		if (po->nr_iov && (unsigned long)po->iov[po->nr_iov - 1].iov_base +
						  po->iov[po->nr_iov - 1].iov_len ==
					  addr) {
			po->iov[po->nr_iov - 1].iov_len += take;
		} else {
			po->iov[po->nr_iov].iov_base = (void *)addr;
			po->iov[po->nr_iov].iov_len = take;
			po->nr_iov++;
		}
		po->bytes += take;
		addr += take;
		len -= take;
	}
	return 0;
}

static int entry_flush(struct page_out *po)
{
	PagemapEntry e = PAGEMAP_ENTRY__INIT;

	if (!po->ent_nr)
		return 0;
	e.vaddr = po->ent_addr;
	e.nr_pages = (uint32_t)po->ent_nr;
	e.has_flags = true;
	e.flags = po->ent_flags;
	if (po->ent_flags & PE_PARENT) {
		e.has_in_parent = true;
		e.in_parent = true;
	}
	po->ent_nr = 0;
	if (po->px)
		return page_xfer_entry(po->px, e.vaddr, e.nr_pages, e.flags);
	return img_write_msg(po->pm, &e.base);
}

/* Records @nr pages at @addr with @flags, growing the current entry when contiguous. */
static int out_entry(struct page_out *po, unsigned long addr, size_t nr, unsigned int flags)
{
	int ret;

	if (po->ent_nr &&
	    (po->ent_flags != flags || po->ent_addr + po->ent_nr * page_size != addr ||
	     po->ent_nr + nr > UINT32_MAX / 2)) {
		ret = entry_flush(po);
		if (ret)
			return ret;
	}
	if (!po->ent_nr) {
		po->ent_addr = addr;
		po->ent_flags = flags;
	}
	po->ent_nr += nr;
	return 0;
}

/* The same, and queues present pages for reading. */
static int out_pages(struct page_out *po, unsigned long addr, size_t nr, unsigned int flags)
{
	int ret = out_entry(po, addr, nr, flags);

	if (!ret && (flags & PE_PRESENT))
		ret = batch_add(po, addr, nr);
	return ret;
}

static int out_close(struct page_out *po, int ret)
{
	if (!ret)
		ret = entry_flush(po);
	if (!ret)
		ret = batch_flush(po);
	if (po->threaded) {
		ret = writer_stop(&po->w) ?: ret;
		po->ctx->st.memwrite_us += po->w.busy_us;
	}
	if (po->px_open)
		ret = page_xfer_close_image(po->px) ?: ret;
	ret = img_close(po->pm) ?: ret;
	ret = img_close(po->pages) ?: ret;
	if (po->mem_fd >= 0)
		close(po->mem_fd);
	return ret;
}

static bool vma_has_private_pages(const struct proc_vma *v)
{
	if (v->vmflags & (PROC_VMF_IO | PROC_VMF_PFNMAP))
		return false;
	switch (v->kind) {
	case PROC_VMA_ANON:
	case PROC_VMA_HEAP:
	case PROC_VMA_STACK:
		return true;
	case PROC_VMA_FILE:
		return !v->shared; /* shared file data lives in the file */
	default:
		return false; /* vdso/vvar are the kernel's; shmem goes once per object */
	}
}

static bool page_wanted(const struct dump_ctx *ctx, const struct proc_vma *v, uint64_t pme)
{
	uint64_t pfn = pme & PME_PFN_MASK;

	if (pme & PME_GUARD)
		return false;
	if (pme & PME_SWAP)
		return true;
	if (!(pme & PME_PRESENT))
		return false;
	if (ctx->zero_pfn && pfn == ctx->zero_pfn)
		return false;
	if (ctx->huge_zero_nr && pfn >= ctx->huge_zero_pfn &&
	    pfn < ctx->huge_zero_pfn + ctx->huge_zero_nr)
		return false;
	/* In a private file mapping, a file page is still the file's data. */
	if (v->kind == PROC_VMA_FILE && (pme & PME_FILE))
		return false;
	return true;
}

/* The first index from @i where @want differs from want[@i] (a word at a time). */
static size_t run_end(const uint8_t *want, size_t i, size_t nr)
{
	uint64_t pat = want[i] * 0x0101010101010101ULL, w;
	size_t j = i + 1;

	while (j + 8 <= nr) {
		memcpy(&w, want + j, 8);
		if (w != pat)
			break;
		j += 8;
	}
	while (j < nr && want[j] == want[i])
		j++;
	return j;
}

/*
 * Emits entries for @nr pages at @start given their pagemap entries; @pme
 * NULL: every page holds data (a PAGEMAP_SCAN region).
 */
static int scan_chunk(struct page_out *po, const struct proc_vma *v, unsigned long start, size_t nr,
		      const uint64_t *pme, uint8_t *want)
{
	struct dump_ctx *ctx = po->ctx;
	size_t i = 0;
	int ret;

	if (pme) {
		for (size_t k = 0; k < nr; k++)
			want[k] = page_wanted(ctx, v, pme[k]);
	} else {
		memset(want, 1, nr);
	}
	if (ctx->filter.changed) {
		/* want[] becomes: 0 skip, 1 write, 2 in parent */
		uint8_t *changed = want + nr;

		memcpy(changed, want, nr);
		ret = ctx->filter.changed(ctx->filter.arg, po->pid, start, nr, pme, changed);
		if (ret)
			return ret;
		for (size_t k = 0; k < nr; k++)
			want[k] += (want[k] & ~changed[k]);	/* 1 -> 2 where unchanged */
	}
	while (i < nr) {
		size_t j = run_end(want, i, nr);

		if (want[i]) {
			unsigned int fl = want[i] == 1 ? PE_PRESENT : PE_PARENT;

			ctx->st.pages_scanned += j - i;
			if (fl == PE_PARENT)
				ctx->st.pages_skipped_parent += j - i;
			ret = out_pages(po, start + i * page_size, j - i, fl);
			if (ret)
				return ret;
		}
		i = j;
	}
	return 0;
}

static int scan_vma(struct page_out *po, int pm_fd, const struct proc_vma *v, uint64_t *pme,
		    uint8_t *want)
{
	unsigned long addr = v->start;
	int ret;

	while (addr < v->end) {
		size_t nr = (v->end - addr) / page_size;

		if (nr > PME_CHUNK)
			nr = PME_CHUNK;
		ret = pagemap_read(pm_fd, addr, nr, pme);
		if (ret) {
			pr_err("dump: pagemap of pid %d at %lx: %s", po->pid, addr, strerror(-ret));
			return ret;
		}
		ret = scan_chunk(po, v, addr, nr, pme, want);
		if (!ret)
			ret = dump_checkpoint(po->ctx, "pages-chunk");
		if (ret)
			return ret;
		addr += nr * page_size;
	}
	/* Entries never span two VMAs. */
	return entry_flush(po);
}

/*
 * With PAGEMAP_SCAN (6.7+) the pages holding data come as regions: a few
 * calls for a populated GiB instead of 2 MiB of pagemap entries (~20 ms,
 * inside the freeze). The query keeps what page_wanted() keeps: present or
 * swapped, not the zero page, in a private file mapping not the file's pages.
 */
struct scan_regions {
	struct page_out *po;
	const struct proc_vma *v;
	uint8_t *want;
	unsigned long next;	/* below this address all is done */
};

static int region_pages(const struct page_region *r, void *arg)
{
	struct scan_regions *s = arg;
	/* 6.18 may report a region again after a short walk_end: once only */
	unsigned long addr = r->start > s->next ? r->start : s->next;
	int ret;

	while (addr < r->end) {
		size_t nr = (r->end - addr) / page_size;

		if (nr > PME_CHUNK)
			nr = PME_CHUNK;
		ret = scan_chunk(s->po, s->v, addr, nr, NULL, s->want);
		if (!ret)
			ret = dump_checkpoint(s->po->ctx, "pages-chunk");
		if (ret)
			return ret;
		addr += nr * page_size;
		s->next = addr;
	}
	return 0;
}

static void region_query(const struct proc_vma *v, struct pagemap_scan_query *q)
{
	uint64_t not = PAGE_IS_PFNZERO | (v->kind == PROC_VMA_FILE ? PAGE_IS_FILE : 0);

	memset(q, 0, sizeof(*q));
	q->inverted = not;
	q->mask = not;
	q->anyof = PAGE_IS_PRESENT | PAGE_IS_SWAPPED;
	q->ret = PAGE_IS_PRESENT | PAGE_IS_SWAPPED;
}

static int scan_vma_regions(struct page_out *po, int pm_fd, const struct proc_vma *v,
			    uint8_t *want)
{
	struct scan_regions s = { .po = po, .v = v, .want = want, .next = v->start };
	struct pagemap_scan_query q;
	int ret;

	region_query(v, &q);
	ret = pagemap_scan_walk(pm_fd, v->start, v->end, &q, region_pages, &s);
	if (ret < 0 && ret != -EINTR)
		pr_err("dump: PAGEMAP_SCAN of pid %d at %lx: %s", po->pid, v->start,
		       strerror(-ret));
	return ret ?: entry_flush(po);
}

/* Does PAGEMAP_SCAN with our query work on @pm_fd (not filtered, 6.7+)? */
static bool regions_usable(int pm_fd, const struct proc_vma *v)
{
	struct pm_scan_arg a = { 0 };
	struct pagemap_scan_query q;
	struct page_region r;

	region_query(v, &q);
	a.start = v->start;
	a.end = v->start + page_size;
	a.vec = (uintptr_t)&r;
	a.vec_len = 1;
	a.category_inverted = q.inverted;
	a.category_mask = q.mask;
	a.category_anyof_mask = q.anyof;
	a.return_mask = q.ret;
	return pagemap_scan(pm_fd, &a) >= 0;
}

int dump_task_pages(struct dump_ctx *ctx, struct dump_task *t)
{
	struct page_out po;
	uint64_t *pme = NULL;
	uint8_t *want = NULL;
	int pm_fd, ret, regions = -1;	/* PAGEMAP_SCAN usable? -1: not asked yet */
	uint64_t t_start = dump_now_us(), t0;

	pm_fd = pagemap_open(t->pid);
	if (pm_fd < 0) {
		pr_err("dump: pagemap of pid %d: %s", t->pid, strerror(-pm_fd));
		return pm_fd;
	}
	ret = out_open(&po, ctx, t->pid, IMG_PAGEMAP, (unsigned long)t->pid);
	pme = malloc(PME_CHUNK * sizeof(*pme));
	want = malloc(PME_CHUNK * 2);
	if (!ret && (!pme || !want))
		ret = -ENOMEM;
	for (size_t i = 0; i < t->vmas.n && !ret; i++) {
		const struct proc_vma *v = &t->vmas.v[i];

		if (!vma_has_private_pages(v))
			continue;
		if (regions < 0)
			regions = regions_usable(pm_fd, v);
		if (regions)
			ret = scan_vma_regions(&po, pm_fd, v, want);
		else
			ret = scan_vma(&po, pm_fd, v, pme, want);
	}
	t0 = dump_now_us();
	ret = out_close(&po, ret);
	pr_debug("dump: %d: pages scanned and read in %llu us, written out in %llu us\n",
		 (int)t->pid, (unsigned long long)(t0 - t_start),
		 (unsigned long long)(dump_now_us() - t0));
	free(pme);
	free(want);
	close(pm_fd);
	return ret;
}

/* [off, end) (page aligned) of a shmem object: pread, then one entry and the bytes. */
static int shmem_range(struct page_out *po, int fd, off_t off, off_t end)
{
	struct dump_ctx *ctx = po->ctx;
	int ret;

	while (off < end) {
		size_t len = (size_t)(end - off), done = 0;

		if (len > ctx->pagebuf_len)
			len = ctx->pagebuf_len;
		while (done < len) {
			ssize_t n = pread(fd, ctx->pagebuf + done, len - done, off + (off_t)done);

			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return -errno;
			if (n == 0) {
				/* past EOF: the tail of the last page reads as zeroes */
				memset(ctx->pagebuf + done, 0, len - done);
				break;
			}
			done += (size_t)n;
		}
		ret = out_entry(po, (unsigned long)off, len / page_size, PE_PRESENT);
		if (!ret)
			ret = po->px ? page_xfer_pages(po->px, ctx->pagebuf, len)
				     : img_write_raw(po->pages, ctx->pagebuf, len);
		if (ret)
			return ret;
		ctx->st.shpages_scanned += len / page_size;
		ctx->st.shpages_written += len / page_size;
		off += (off_t)len;
	}
	return 0;
}

/* Walks the object's data extents (SEEK_DATA/SEEK_HOLE: shmem knows its pages). */
static int shmem_walk(struct page_out *po, int fd, off_t size)
{
	off_t off = 0;
	int ret;

	while (off < size) {
		off_t data = lseek(fd, off, SEEK_DATA), hole;

		if (data < 0)
			return errno == ENXIO ? 0 : -errno;
		hole = lseek(fd, data, SEEK_HOLE);
		if (hole < 0)
			return -errno;
		data &= ~(off_t)(page_size - 1);
		hole = (hole + (off_t)page_size - 1) & ~(off_t)(page_size - 1);
		if (hole > size)
			hole = (size + (off_t)page_size - 1) & ~(off_t)(page_size - 1);
		ret = shmem_range(po, fd, data, hole);
		if (ret)
			return ret;
		off = hole;
	}
	return 0;
}

int dump_shmem_pages(struct dump_ctx *ctx, struct dump_task *t, const struct proc_vma *v,
		     unsigned long shmid)
{
	struct stat st;
	char path[96];
	int fd, ret;

	snprintf(path, sizeof(path), "/proc/%d/map_files/%lx-%lx", t->pid, v->start, v->end);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == EACCES)
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOATIME);
	if (fd < 0 || fstat(fd, &st)) {
		ret = -errno;
		pr_err("dump: shared memory %lx-%lx of pid %d: %s", v->start, v->end, t->pid,
		       strerror(errno));
		if (fd >= 0)
			close(fd);
		return ret;
	}
	ret = dump_shmem_fd(ctx, t->pid, fd, st.st_size, shmid);
	if (ret)
		pr_err("dump: shared memory %lx-%lx of pid %d: %s", v->start, v->end, t->pid,
		       strerror(-ret));
	close(fd);
	return ret;
}

int dump_shmem_fd(struct dump_ctx *ctx, pid_t pid, int fd, off_t size, unsigned long shmid)
{
	struct page_out po;
	int ret;

	ret = out_open(&po, ctx, pid, IMG_SHMEM_PAGEMAP, shmid);
	if (!ret)
		ret = shmem_walk(&po, fd, size);
	return out_close(&po, ret);
}
