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

#define RST_PREMAP_MAX (1ul << 20) /* longer mappings are the rebuild's */
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

	return (v->status & RST_VMA_ANON_PRIVATE) && !(v->status & other) &&
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

/* Reads @v's pages into it; whether every byte of it has a page (then populate first). */
static int rst_premap_fill(const struct rst_task *t, const VmaEntry *v, bool count_only,
			   unsigned long *have)
{
	*have = 0;
	for (size_t k = rst_premap_seg(t, v->start); k < t->pages.n; k++) {
		const struct rst_seg *s = &t->pages.s[k];
		unsigned long a = s->vaddr > v->start ? s->vaddr : v->start;
		unsigned long b = s->vaddr + s->len < v->end ? s->vaddr + s->len : v->end;

		if (s->vaddr >= v->end)
			break;
		*have += b - a;
		if (count_only)
			continue;
		for (unsigned long done = 0; done < b - a;) {
			ssize_t r = pread(s->pages_fd, (void *)(a + done), b - a - done,
					  (off_t)(s->off + (a - s->vaddr) + done));

			if (r <= 0)
				return r < 0 ? -errno : -EIO;
			done += (unsigned long)r;
		}
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

/* One VMA; 0 when it is in place, or what went wrong (the rebuild then makes it). */
static int rst_premap_one(const struct rst_task *t, const VmaEntry *v)
{
	unsigned long len = v->end - v->start, have;
	int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE;
	void *p;
	int ret;

	rst_premap_fill(t, v, true, &have);
	/* all pages written: allocated by the kernel at once (first touches cost here) */
	if (have == len)
		flags |= MAP_POPULATE;
	p = mmap((void *)v->start, len, PROT_READ | PROT_WRITE, flags, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	if (p != (void *)v->start) {
		munmap(p, len); /* a kernel before 4.17 takes it for a hint */
		return -EEXIST;
	}
	ret = rst_premap_fill(t, v, false, &have);
	if (!ret)
		ret = rst_premap_advise(v);
	if (!ret && v->prot != (PROT_READ | PROT_WRITE) &&
	    mprotect((void *)v->start, len, (int)v->prot))
		ret = -errno;
	if (ret)
		munmap((void *)v->start, len);
	return ret;
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
	for (size_t i = 0; i < t->mm->n_vmas; i++) {
		const VmaEntry *v = t->mm->vmas[i];

		/* the tool's stack may still grow down here */
		if (v->end > sp - RST_PREMAP_STACK && v->start < sp + 4096)
			continue;
		if (!rst_premap_fits(c, t, v) || rst_premap_one(t, v))
			continue;
		__atomic_store_n(&c->premapped[c->premap_at[ti] + i], 1, __ATOMIC_RELEASE);
	}
}
