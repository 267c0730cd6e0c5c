/*
 * restore --staged: the memory of a migrating tree, built ahead of the final
 * restore, in the tool's own address space.
 *
 * Every private anonymous VMA of every process of a pre-dump directory gets
 * an area in the tool, filled from the chain. When the next directory of the
 * chain arrives, an area whose VMA is unchanged (same pid, start and end) and
 * which holds the state of that directory's parent only takes the pages that
 * directory wrote itself, and loses (MADV_DONTNEED) the pages it no longer
 * has; any other area is built anew, and areas whose VMA is gone are dropped.
 * So after applying a directory each area holds exactly what a restore from
 * that directory would write into its VMA.
 *
 * The final restore applies the final dump's directory the same way, then
 * forks the tree: the new processes inherit the areas (fork copies page
 * tables, not pages), the tool unmaps its own copies, and restore-mm.c moves
 * each process's areas to their VMAs with an injected mremap instead of
 * mapping and filling them. What is written during the downtime is only the
 * last delta.
 *
 * No area may overlap a VMA of the tree (or the final mremap would clobber a
 * neighbour): after each directory, an overlapping area moves elsewhere.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "array.h"
#include "log.h"
#include "proc-maps.h"
#include "restore.h"

#define STAGE_MIN_LEN (64ul << 10) /* smaller VMAs are cheaper to fill at restore */

struct rst_stage {
	struct rst_stage_area *a;
	size_t n;
	bool released;
	struct rst_filler *f;
	pthread_t unmapper; /* rst_stage_release()'s, until rst_stage_release_wait() */
	bool unmapping;
};

struct rst_stage *rst_stage_new(void)
{
	struct rst_stage *s = calloc(1, sizeof(struct rst_stage));

	if (s)
		s->f = rst_filler_new();
	if (s && !s->f) {
		free(s);
		return NULL;
	}
	return s;
}

struct rst_filler *rst_stage_filler(struct rst_stage *s)
{
	return s->f;
}

static void stage_unmap(struct rst_stage *s, size_t i)
{
	if (!s->released)
		munmap((void *)s->a[i].addr, s->a[i].end - s->a[i].start);
}

/* Forgets every area (unmapping it): the restore then fills everything itself. */
static void rst_stage_drop(struct rst_stage *s)
{
	for (size_t i = 0; s && i < s->n; i++)
		stage_unmap(s, i);
	if (s)
		s->n = 0;
}

void rst_stage_free(struct rst_stage *s)
{
	if (!s)
		return;
	rst_stage_release_wait(s);
	rst_stage_drop(s);
	rst_filler_free(s->f);
	free(s->a);
	free(s);
}

static void *stage_unmap_all(void *arg)
{
	struct rst_stage *s = arg;

	for (size_t i = 0; i < s->n; i++)
		stage_unmap(s, i);
	return NULL;
}

/*
 * Unmapping a GiB takes ~10-15 ms here (each page's reference dropped): a
 * thread does it while the restore goes on. Our copies only need to be gone
 * before the tree runs, or its first writes would copy the pages.
 */
void rst_stage_release(struct rst_stage *s)
{
	if (!s || s->released)
		return;
	s->unmapping = !pthread_create(&s->unmapper, NULL, stage_unmap_all, s);
	if (!s->unmapping)
		stage_unmap_all(s);
	s->released = true;
}

void rst_stage_release_wait(struct rst_stage *s)
{
	if (s && s->unmapping)
		pthread_join(s->unmapper, NULL);
	if (s)
		s->unmapping = false;
}

const struct rst_stage_area *rst_stage_find(const struct rst_stage *s, pid_t pid,
					    unsigned long start, unsigned long end)
{
	for (size_t i = 0; s && i < s->n; i++)
		if (s->a[i].pid == pid && s->a[i].start == start && s->a[i].end == end)
			return &s->a[i];
	return NULL;
}

static int stage_addr_cmp(const void *x, const void *y)
{
	const struct rst_stage_area *a = *(const struct rst_stage_area *const *)x;
	const struct rst_stage_area *b = *(const struct rst_stage_area *const *)y;

	return a->addr < b->addr ? -1 : a->addr > b->addr;
}

size_t rst_stage_areas(const struct rst_stage *s, pid_t pid, const struct rst_stage_area ***out)
{
	const struct rst_stage_area **r;
	size_t n = 0;

	*out = NULL;
	if (!s || !s->n)
		return 0;
	r = calloc(s->n, sizeof(*r));
	if (!r)
		return 0;
	for (size_t i = 0; i < s->n; i++)
		if (s->a[i].pid == pid)
			r[n++] = &s->a[i];
	qsort(r, n, sizeof(*r), stage_addr_cmp);
	*out = r;
	return n;
}

/* Private anonymous memory that mremap can carry: not a stack, not special. */
static bool stage_eligible(const VmaEntry *v)
{
	const uint32_t other = RST_VMA_FILE_PRIVATE | RST_VMA_FILE_SHARED | RST_VMA_ANON_SHARED |
			       RST_VMA_VDSO | RST_VMA_VVAR | RST_VMA_VSYSCALL | RST_VMA_SYSVIPC |
			       RST_VMA_SOCKET | RST_VMA_AIORING | RST_VMA_UNSUPP;

	return (v->status & RST_VMA_ANON_PRIVATE) && !(v->status & other) &&
	       !(v->flags & MAP_GROWSDOWN) && v->end - v->start >= STAGE_MIN_LEN;
}

/* The runs of @pages inside @v (of at most @max_depth), moved to the area at @addr. */
static int stage_segs(const struct rst_segs *pages, const VmaEntry *v, unsigned long addr,
		      int max_depth, struct rst_segs *out, unsigned long *nr_pages)
{
	for (size_t i = 0; i < pages->n; i++) {
		struct rst_seg sg = pages->s[i];

		if (sg.vaddr + sg.len <= v->start || sg.vaddr >= v->end || sg.depth > max_depth)
			continue;
		if (sg.vaddr < v->start) {
			sg.off += v->start - sg.vaddr;
			sg.len -= v->start - sg.vaddr;
			sg.vaddr = v->start;
		}
		if (sg.vaddr + sg.len > v->end)
			sg.len = v->end - sg.vaddr;
		sg.vaddr = addr + (sg.vaddr - v->start);
		if (rst_segs_add(out, sg.vaddr, sg.len, sg.pages_fd, sg.off, sg.depth))
			return -ENOMEM;
		*nr_pages += sg.len;
	}
	return 0;
}

/* Pages of @v the directory does not have any more: zero again in the area. */
static void stage_zero_holes(const struct rst_segs *pages, const VmaEntry *v, unsigned long addr)
{
	unsigned long cur = v->start;

	for (size_t i = 0; i <= pages->n && cur < v->end; i++) {
		unsigned long s = i < pages->n ? pages->s[i].vaddr : v->end;
		unsigned long e = i < pages->n ? s + pages->s[i].len : v->end;

		if (e <= cur)
			continue;
		if (s > cur) {
			unsigned long he = s < v->end ? s : v->end;

			madvise((void *)(addr + (cur - v->start)), he - cur, MADV_DONTNEED);
		}
		cur = e;
	}
}

static struct rst_stage_area *stage_add(struct rst_stage *s, pid_t pid, const VmaEntry *v)
{
	void *m;

	if (ARRAY_GROW(s->a, s->n))
		return NULL;
	m = mmap(NULL, v->end - v->start, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		 0);
	if (m == MAP_FAILED)
		return NULL;
	s->a[s->n] = (struct rst_stage_area){
		.pid = pid, .start = v->start, .end = v->end, .addr = (unsigned long)m};
	return &s->a[s->n++];
}

struct stage_dir {
	dev_t dev, pdev;
	ino_t ino, pino; /* pino 0: no parent */
};

static int stage_dir_ids(struct rst_ctx *c, struct stage_dir *d)
{
	struct img_dir pd;
	struct stat st;

	if (fstat(c->dir.fd, &st))
		return -errno;
	d->dev = st.st_dev, d->ino = st.st_ino;
	d->pdev = 0, d->pino = 0;
	if (img_dir_open_parent(&c->dir, &pd))
		return 0;
	if (fstat(pd.fd, &st) == 0)
		d->pdev = st.st_dev, d->pino = st.st_ino;
	img_dir_close(&pd);
	return 0;
}

/* One VMA: the delta onto an area holding the parent, or a new area. */
static int stage_vma(struct rst_stage *s, struct rst_filler *f, const struct rst_task *t,
		     const VmaEntry *v, const struct stage_dir *d, struct rst_stage_stats *st)
{
	struct rst_stage_area *a =
		(struct rst_stage_area *)rst_stage_find(s, t->pid, v->start, v->end);
	struct rst_segs segs = {0};
	unsigned long bytes = 0;
	int depth = 0, ret;

	if (a && !(d->pino && a->dev == d->pdev && a->ino == d->pino)) {
		munmap((void *)a->addr, a->end - a->start);
		*a = s->a[--s->n];
		a = NULL;
	}
	if (!a) {
		a = stage_add(s, t->pid, v);
		if (!a)
			return -ENOMEM;
		depth = INT_MAX; /* the whole chain */
	} else {
		stage_zero_holes(&t->pages, v, a->addr);
	}
	a->dev = d->dev, a->ino = d->ino, a->seen = true;
	ret = stage_segs(&t->pages, v, a->addr, depth, &segs, &bytes);
	if (!ret && segs.n)
		ret = rst_fill(f, getpid(), &segs);
	rst_segs_free(&segs);
	st->areas++;
	st->pages += bytes / (unsigned long)sysconf(_SC_PAGESIZE);
	return ret;
}

/* Areas that overlap a VMA of the tree move to a gap free of both. */
static int stage_relocate(struct rst_stage *s, const struct rst_ctx *c)
{
	struct proc_vma_list self = {0};
	struct rst_range *r = NULL;
	size_t n = 0;
	int ret = 0;

	for (size_t i = 0; i < c->nr_tasks; i++)
		n += c->tasks[i].mm ? c->tasks[i].mm->n_vmas : 0;
	r = calloc(n + 1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	n = 0;
	for (size_t i = 0; i < c->nr_tasks; i++)
		for (size_t j = 0; c->tasks[i].mm && j < c->tasks[i].mm->n_vmas; j++)
			r[n++] = (struct rst_range){c->tasks[i].mm->vmas[j]->start,
						    c->tasks[i].mm->vmas[j]->end};
	for (size_t i = 0; !ret && i < s->n; i++) {
		struct rst_stage_area *a = &s->a[i];
		unsigned long len = a->end - a->start, to;
		bool clash = false;
		void *m;

		for (size_t k = 0; k < n && !clash; k++)
			clash = a->addr < r[k].e && r[k].s < a->addr + len;
		if (!clash)
			continue;
		proc_vma_list_free(&self);
		ret = proc_read_maps(getpid(), false, &self);
		if (!ret)
			ret = rst_find_gap(&self, NULL, r, n, len, &to);
		if (ret)
			break;
		m = mremap((void *)a->addr, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, (void *)to);
		if (m == MAP_FAILED)
			ret = -errno;
		else
			a->addr = to;
	}
	proc_vma_list_free(&self);
	free(r);
	return ret;
}

static double stage_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int stage_all(struct rst_stage *s, struct rst_ctx *c, struct rst_stage_stats *st)
{
	struct rst_filler *f = s->f;
	struct stage_dir d = {0};
	int ret;

	ret = stage_dir_ids(c, &d);
	rst_filler_set_csums(f, &c->csums); /* staged pages are checked too */
	for (size_t i = 0; i < s->n; i++)
		s->a[i].seen = false;
	for (size_t i = 0; !ret && i < c->nr_tasks; i++) {
		const struct rst_task *t = &c->tasks[i];

		for (size_t j = 0; !ret && t->mm && j < t->mm->n_vmas; j++)
			if (stage_eligible(t->mm->vmas[j]))
				ret = stage_vma(s, f, t, t->mm->vmas[j], &d, st);
	}
	for (size_t i = s->n; !ret && i-- > 0;) {
		if (s->a[i].seen)
			continue;
		munmap((void *)s->a[i].addr, s->a[i].end - s->a[i].start);
		s->a[i] = s->a[--s->n];
		st->dropped++;
	}
	rst_filler_set_csums(f, NULL); /* @c's checksums go with it */
	if (!ret)
		ret = stage_relocate(s, c);
	return ret;
}

int rst_stage_apply_ctx(struct rst_stage *s, struct rst_ctx *c, struct rst_stage_stats *st)
{
	double t0 = stage_now_ms();
	int ret;

	memset(st, 0, sizeof(*st));
	ret = s->released ? -EINVAL : stage_all(s, c, st);
	st->ms = stage_now_ms() - t0;
	if (ret) {
		pr_warn("staging the last delta from '%s' failed: %s; restoring without staged "
			"memory",
			c->dir.path, strerror(-ret));
		rst_stage_drop(s);
		return ret;
	}
	pr_info("staged '%s': %lu areas, %lu pages written, %lu dropped, %.1f ms", c->dir.path,
		st->areas, st->pages, st->dropped, st->ms);
	return 0;
}

int rst_stage_apply(struct rst_stage *s, const char *dir, struct rst_stage_stats *st)
{
	struct rst_ctx c = {0};
	double t0 = stage_now_ms();
	int ret;

	memset(st, 0, sizeof(*st));
	if (s->released) {
		pr_err("staging '%s': the staged memory was handed over already", dir);
		return -EINVAL;
	}
	ret = rst_read_mem(&c, dir);
	pr_debug("staging '%s': images read in %.1f ms", dir, stage_now_ms() - t0);
	if (!ret)
		ret = stage_all(s, &c, st);
	rst_ctx_fini(&c);
	st->ms = stage_now_ms() - t0;
	if (ret) {
		pr_err("staging '%s' failed: %s; the staged memory is dropped", dir,
		       strerror(-ret));
		rst_stage_drop(s);
		return ret;
	}
	pr_info("staged '%s': %lu areas, %lu pages written, %lu dropped, %.1f ms", dir, st->areas,
		st->pages, st->dropped, st->ms);
	return 0;
}
