/*
 * Memory contents: pagemap-PID.img + pages-N.img for private memory, and
 * pagemap-shmem-ID.img + pages-N.img once per shared anonymous object.
 * This file decides which pages; dump-pages-out.c writes them.
 *
 * Which pages: present or swapped ones from PAGEMAP_SCAN regions, or
 * /proc/PID/pagemap where the ioctl is missing or filtered; in private
 * file mappings only the anonymous (COWed) ones, as the rest is in the file;
 * never the shared zero page. An optional filter (struct dump_page_filter)
 * narrows the set to pages changed since a parent dump; the others become
 * PE_PARENT entries. Shared memory: the object's data extents, read here.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arch.h"
#include "dump-cow.h"
#include "dump-pages.h"
#include "dump.h"
#include "log.h"
#include "pagemap-scan.h"
#include "pagemap.h"

#define PAGEBUF_SIZE (32u << 20)
#define PAGEBUF_INCR_SIZE (8u << 20) /* incremental dumps, see pagebuf_size */

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14 */
#endif
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

/*
 * The page buffer, populated before the freeze so that no copy into it
 * faults. In huge pages where the kernel gives them: 16 faults instead of
 * 8192, 3-8x less time to populate 32 MiB here (3-12 ms against 24-50 ms
 * with MAP_POPULATE, measured side by side); otherwise in small pages.
 */
static void *pagebuf_map(size_t len)
{
	size_t thp = arch_thp_size();
	char *p, *a;

	if (thp && !(len % thp)) {
		p = mmap(NULL, len + thp, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
			 0);
		if (p != MAP_FAILED) {
			a = (char *)(((unsigned long)p + thp - 1) & ~(thp - 1));
			if (a > p)
				munmap(p, (size_t)(a - p));
			if (a + len < p + len + thp)
				munmap(a + len, (size_t)(p + len + thp - (a + len)));
			if (!madvise(a, len, MADV_HUGEPAGE) &&
			    !madvise(a, len, MADV_POPULATE_WRITE))
				return a;
			munmap(a, len);
		}
	}
	return mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE,
		    -1, 0);
}

/*
 * No bigger than the tree's memory seen before the freeze (plus a quarter,
 * in 2 MiB steps, at least 4 MiB): a small tree populates a small buffer.
 * More memory at the freeze only means more, smaller batches.
 */
static size_t pagebuf_size(const struct dump_ctx *ctx)
{
	uint64_t want = dump_mm_prefetch_bytes(ctx), step = 2u << 20, max = PAGEBUF_SIZE;

	/*
	 * An incremental dump with a tracker copies the pages written since
	 * its parent: a few MiB in the final dump of a migration, which is
	 * the one the tree waits for.
	 */
	if (ctx->o->prev_images_dir && ctx->filter.changed)
		max = PAGEBUF_INCR_SIZE;
	if (!want)
		return (size_t)max;
	want = (want + want / 4 + step - 1) / step * step;
	if (want < 2 * step)
		want = 2 * step;
	return want < max ? (size_t)want : (size_t)max;
}

int dump_pages_init(struct dump_ctx *ctx)
{
	page_size = (size_t)sysconf(_SC_PAGESIZE);
	ctx->pagebuf_len = pagebuf_size(ctx);
	ctx->pagebuf = pagebuf_map(ctx->pagebuf_len);
	if (ctx->pagebuf == MAP_FAILED) {
		ctx->pagebuf = NULL;
		pr_err("dump: page buffer of %zu bytes: %s", ctx->pagebuf_len, strerror(errno));
		return -ENOMEM;
	}
	find_zero_pfns(ctx);
	pr_debug("dump: page buffer %zu KiB; zero page pfn %#llx, huge zero page pfn %#llx "
		 "(%llu pages)",
		 ctx->pagebuf_len >> 10, (unsigned long long)ctx->zero_pfn,
		 (unsigned long long)ctx->huge_zero_pfn, (unsigned long long)ctx->huge_zero_nr);
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
		/* shared file data lives in the file; an AIO ring's only in memory */
		return !v->shared || proc_vma_is_aio(v);
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
	if (v->kind == PROC_VMA_FILE && (pme & PME_FILE) && !proc_vma_is_aio(v))
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

/* The current entry ends (a VMA ends): written, or planned (copy-on-write). */
static int out_flush(struct page_out *po)
{
	return po->plan ? dump_cow_plan(po->plan, 0, 0, true) : page_out_flush(po);
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
			want[k] += (want[k] & ~changed[k]); /* 1 -> 2 where unchanged */
	}
	while (i < nr) {
		size_t j = run_end(want, i, nr);

		if (want[i]) {
			unsigned int fl = want[i] == 1 ? PE_PRESENT : PE_PARENT;

			ctx->st.pages_scanned += j - i;
			if (fl == PE_PARENT)
				ctx->st.pages_skipped_parent += j - i;
			ret = po->plan
				      ? dump_cow_plan(po->plan, start + i * page_size, j - i, false)
				      : page_out_pages(po, start + i * page_size, j - i, fl);
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
	return out_flush(po);
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
	unsigned long next; /* below this address all is done */
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

/*
 * @guard: leave out guard regions (PAGE_IS_GUARD, 6.15+: they read as
 * swapped, and reading them fails with EIO). A kernel that refuses the
 * category is asked without it (6.13 and 6.14 have guards but cannot name
 * them: docs/restore-design.md).
 */
static void region_query(const struct proc_vma *v, bool guard, struct pagemap_scan_query *q)
{
	bool file = v->kind == PROC_VMA_FILE && !proc_vma_is_aio(v);
	uint64_t not = PAGE_IS_PFNZERO | (file ? PAGE_IS_FILE : 0) | (guard ? PAGE_IS_GUARD : 0);

	memset(q, 0, sizeof(*q));
	q->inverted = not ;
	q->mask = not ;
	q->anyof = PAGE_IS_PRESENT | PAGE_IS_SWAPPED;
	q->ret = PAGE_IS_PRESENT | PAGE_IS_SWAPPED;
}

static int scan_vma_regions(struct page_out *po, int pm_fd, const struct proc_vma *v, uint8_t *want,
			    bool guard)
{
	struct scan_regions s = {.po = po, .v = v, .want = want, .next = v->start};
	struct pagemap_scan_query q;
	int ret;

	region_query(v, guard, &q);
	ret = pagemap_scan_walk(pm_fd, v->start, v->end, &q, region_pages, &s);
	if (ret < 0 && ret != -EINTR)
		pr_err("dump: PAGEMAP_SCAN of pid %d at %lx: %s", po->pid, v->start,
		       strerror(-ret));
	return ret ?: out_flush(po);
}

/* Does PAGEMAP_SCAN with our query work on @pm_fd (not filtered, 6.7+)? */
static bool regions_usable(int pm_fd, const struct proc_vma *v, bool guard)
{
	struct pm_scan_arg a = {0};
	struct pagemap_scan_query q;
	struct page_region r;

	region_query(v, guard, &q);
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
	struct dump_cow_task *ct;
	struct page_out po;
	uint64_t *pme = NULL;
	uint8_t *want = NULL;
	int pm_fd, ret, regions = -1; /* PAGEMAP_SCAN usable (how)? -1: not asked yet */
	uint64_t t_start = dump_now_us(), t0;

	ct = dump_cow_arm(ctx, t, &ret);
	if (ret)
		return ret;
	pm_fd = pagemap_open(t->pid);
	if (pm_fd < 0) {
		pr_err("dump: pagemap of pid %d: %s", t->pid, strerror(-pm_fd));
		return pm_fd;
	}
	if (ct) { /* planned now, copied after the thaw (dump_cow_copy) */
		memset(&po, 0, sizeof(po));
		po.ctx = ctx;
		po.pid = t->pid;
		po.plan = ct;
	} else {
		ret = page_out_open(&po, ctx, t->pid, IMG_PAGEMAP, (unsigned long)t->vpid);
	}
	pme = malloc(PME_CHUNK * sizeof(*pme));
	want = malloc(PME_CHUNK * 2);
	if (!ret && (!pme || !want))
		ret = -ENOMEM;
	for (size_t i = 0; i < t->vmas.n && !ret; i++) {
		const struct proc_vma *v = &t->vmas.v[i];

		if (!vma_has_private_pages(v))
			continue;
		if (ct)
			dump_cow_vma(ct, v);
		/* smaps: some of its pages are mapped by another process (a fork) */
		po.nopin = v->kind != PROC_VMA_FILE && (v->shared_clean_kb || v->shared_dirty_kb);
		/* 2: with the guard category, 1: without, 0: no PAGEMAP_SCAN */
		if (regions < 0)
			regions = regions_usable(pm_fd, v, true) ? 2
								 : regions_usable(pm_fd, v, false);
		if (regions)
			ret = scan_vma_regions(&po, pm_fd, v, want, regions == 2);
		else
			ret = scan_vma(&po, pm_fd, v, pme, want);
	}
	t0 = dump_now_us();
	if (ct && !ret)
		dump_cow_planned(ct);
	else if (!ct)
		ret = page_out_close(&po, ret);
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
		ret = page_out_raw(po, (unsigned long)off, ctx->pagebuf, len);
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

	ret = page_out_open(&po, ctx, pid, IMG_SHMEM_PAGEMAP, shmid);
	if (!ret)
		ret = shmem_walk(&po, fd, size);
	return page_out_close(&po, ret);
}
