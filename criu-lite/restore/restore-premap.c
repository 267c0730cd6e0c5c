/*
 * Restore: the small private anonymous mappings of a process, made by the new
 * process itself while it still runs the tool's code, before it pauses.
 *
 * Through injection each mapping costs an mmap, and an mprotect and madvise
 * calls after its pages are written: a ptrace round trip each, for one
 * process after another (50,000 one-page mappings: 75,000 round trips, most
 * of a 20 s restore). The new process can map every one that does not
 * collide with the tool's own mappings it still has (MAP_FIXED_NOREPLACE),
 * read its pages from the pages files it inherited, advise and protect it,
 * with plain syscalls, all processes at once. The rebuild (restore-mm.c)
 * keeps what was made here and does the rest as before. Large mappings are
 * left to the rebuild, whose fill reads the disk directly and writes with
 * two threads; so are file, shared, staged, copy-on-write, locked and
 * growing mappings, and the special areas.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "restore.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

#define RST_PREMAP_MAX (1ul << 20)    /* longer mappings are the rebuild's */
#define RST_PREMAP_RUN (16ul << 20)   /* adjacent ones mapped by one call, up to this */
#define RST_PREMAP_STACK (16ul << 20) /* room left below the tool's stack */

int rst_premap_init(struct rst_ctx *c)
{
	size_t n = 0;

	c->premap_at = calloc(c->nr_tasks + 1, sizeof(*c->premap_at));
	if (!c->premap_at)
		return -ENOMEM;
	for (size_t i = 0; i < c->nr_tasks; i++) {
		c->premap_at[i] = n;
		n += c->tasks[i].mm ? c->tasks[i].mm->n_vmas : 0;
	}
	c->premap_len = (n + 4095) & ~4095ul;
	if (!c->premap_len)
		return 0;
	/* shared: written by the new processes, read by the tool */
	c->premapped = mmap(NULL, c->premap_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
			    -1, 0);
	if (c->premapped == MAP_FAILED) {
		c->premapped = NULL;
		return -errno;
	}
	return 0;
}

void rst_premap_fini(struct rst_ctx *c)
{
	if (c->premapped)
		munmap(c->premapped, c->premap_len);
	c->premapped = NULL;
	free(c->premap_at);
	c->premap_at = NULL;
}

bool rst_premapped(const struct rst_ctx *c, const struct rst_task *t, size_t i)
{
	size_t ti = (size_t)(t - c->tasks);

	return c->premapped && t->mm && i < t->mm->n_vmas &&
	       __atomic_load_n(&c->premapped[c->premap_at[ti] + i], __ATOMIC_ACQUIRE);
}

/* Whether VMA @v of @t may be made by the process itself. */
static bool rst_premap_fits(const struct rst_ctx *c, const struct rst_task *t, const VmaEntry *v)
{
	const uint32_t other = RST_VMA_FILE_PRIVATE | RST_VMA_FILE_SHARED | RST_VMA_ANON_SHARED |
			       RST_VMA_SYSVIPC | RST_VMA_SOCKET | RST_VMA_VDSO | RST_VMA_VVAR |
			       RST_VMA_VSYSCALL | RST_VMA_AIORING | RST_VMA_GUARD | RST_VMA_UNSUPP;
	const uint64_t kind = MAP_SHARED | MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN;

	/* from a page server (restore-lazy-remote.c) the pages files are stand-ins */
	return !c->remote && (v->status & RST_VMA_ANON_PRIVATE) && !(v->status & other) &&
	       (v->flags & kind) == (MAP_PRIVATE | MAP_ANONYMOUS) && !(v->flags & MAP_LOCKED) &&
	       v->end > v->start && v->end - v->start <= RST_PREMAP_MAX &&
	       !rst_cow_find(c, t->pid, v->start, v->end) &&
	       !rst_stage_find(c->stage, t->pid, v->start, v->end);
}

/* The first page run of @t ending above @addr. */
static size_t rst_premap_seg(const struct rst_task *t, unsigned long addr)
{
	size_t lo = 0, hi = t->pages.n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->pages.s[mid].vaddr + t->pages.s[mid].len <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Reads @t's pages of [@s, @e) into place; with @count_only, counts their bytes into @have. */
static int rst_premap_fill(const struct rst_ctx *c, const struct rst_task *t, unsigned long s,
			   unsigned long e, bool count_only, unsigned long *have)
{
	*have = 0;
	for (size_t k = rst_premap_seg(t, s); k < t->pages.n; k++) {
		const struct rst_seg *g = &t->pages.s[k];
		unsigned long a = g->vaddr > s ? g->vaddr : s;
		unsigned long b = g->vaddr + g->len < e ? g->vaddr + g->len : e;

		if (g->vaddr >= e)
			break;
		*have += b - a;
		if (count_only)
			continue;
		for (unsigned long done = 0; done < b - a;) {
			ssize_t r = pread(g->pages_fd, (void *)(a + done), b - a - done,
					  (off_t)(g->off + (a - g->vaddr) + done));

			if (r <= 0)
				return r < 0 ? -errno : -EIO;
			done += (unsigned long)r;
		}
		/* the page checksums, as the rebuild's fill checks them (a mismatch: it says so) */
		if (rst_csums_check(&c->csums, g, a - g->vaddr, (const void *)a, b - a, t->pid))
			return -EBADMSG;
	}
	return 0;
}

/* The recorded advice, as the rebuild gives it (restore-mm.c rst_protect). */
static int rst_premap_advise(const VmaEntry *v)
{
	for (unsigned int b = 0; v->has_madv && b < 64; b++) {
		if (!(v->madv & (1ull << b)) || b == MADV_POPULATE_WRITE || b == 22)
			continue;
		if (madvise((void *)v->start, v->end - v->start, (int)b))
			return -errno;
	}
	return 0;
}

/*
 * VMAs @i..@j of @t, adjacent, with the same flags: one mmap, one pread per
 * page run, then each one's advice and protection. 0 when all are in place;
 * otherwise none is (the rebuild makes them).
 */
static int rst_premap_run(const struct rst_ctx *c, const struct rst_task *t, size_t i, size_t j)
{
	unsigned long s = t->mm->vmas[i]->start, e = t->mm->vmas[j]->end, have;
	int flags =
		(int)(t->mm->vmas[i]->flags & (MAP_PRIVATE | MAP_ANONYMOUS)) | MAP_FIXED_NOREPLACE;
	void *p;
	int ret;

	rst_premap_fill(c, t, s, e, true, &have);
	/* every page dumped: allocated by the kernel at once, not by a fault each */
	if (have == e - s)
		flags |= MAP_POPULATE;
	p = mmap((void *)s, e - s, PROT_READ | PROT_WRITE, flags, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	if (p != (void *)s) {
		munmap(p, e - s); /* a kernel before 4.17 takes it for a hint */
		return -EEXIST;
	}
	ret = rst_premap_fill(c, t, s, e, false, &have);
	for (size_t k = i; !ret && k <= j; k++) {
		const VmaEntry *v = t->mm->vmas[k];

		ret = rst_premap_advise(v);
		if (!ret && v->prot != (PROT_READ | PROT_WRITE) &&
		    mprotect((void *)v->start, v->end - v->start, (int)v->prot))
			ret = -errno;
	}
	if (ret)
		munmap((void *)s, e - s);
	return ret;
}

/* Whether VMA @i of @t may be made by the process, whose stack is at @sp. */
static bool rst_premap_ok(const struct rst_ctx *c, const struct rst_task *t, size_t i,
			  unsigned long sp)
{
	const VmaEntry *v = t->mm->vmas[i];

	/* the tool's stack may still grow down here */
	if (v->end > sp - RST_PREMAP_STACK && v->start < sp + 4096)
		return false;
	return rst_premap_fits(c, t, v);
}

/*
 * Runs in the new process (tool code, before its fds are installed: the
 * pages files are the tool's descriptors). No logging: what fails here is
 * left to the rebuild, which says what it cannot do.
 */
void rst_premap_child(const struct rst_ctx *c, const struct rst_task *t)
{
	size_t ti = (size_t)(t - c->tasks);
	unsigned long sp = (unsigned long)&ti;

	if (!c->premapped || !t->mm)
		return;
	for (size_t i = 0, j; i < t->mm->n_vmas; i = j + 1) {
		VmaEntry *const *v = t->mm->vmas;

		j = i;
		if (!rst_premap_ok(c, t, i, sp))
			continue;
		while (j + 1 < t->mm->n_vmas && v[j + 1]->start == v[j]->end &&
		       v[j + 1]->flags == v[i]->flags &&
		       v[j + 1]->end - v[i]->start <= RST_PREMAP_RUN &&
		       rst_premap_ok(c, t, j + 1, sp))
			j++;
		if (rst_premap_run(c, t, i, j))
			continue;
		for (size_t k = i; k <= j; k++)
			__atomic_store_n(&c->premapped[c->premap_at[ti] + k], 1, __ATOMIC_RELEASE);
	}
}
