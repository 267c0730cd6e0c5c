/*
 * Restore: private pages shared copy-on-write between a parent and its
 * children come back shared.
 *
 * Before the tree is forked, every private anonymous VMA that a process and
 * one of its children both have (same start and end) gets an area in the
 * tool holding the parent's contents (the parent's staged area when restore
 * --staged built one). The processes inherit it with the fork (page tables
 * copied, not pages) and move it into place with mremap (restore-mm.c): the
 * parent as is; a child (and, through it, a grandchild with the same VMA)
 * then gets only its pages that differ from the parent's written on top, and
 * the pages it does not have dropped (MADV_DONTNEED: zero again). A page the
 * child never wrote since the fork is thus again one physical page for both,
 * as CRIU restores it (by contents: a page both sides wrote with the same
 * bytes is shared too, which is harmless).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "array.h"
#include "inject.h"
#include "log.h"
#include "proc-maps.h"
#include "restore.h"

#define COW_CHUNK (1ul << 20)

/* One process's use of an area: .addr is where the contents are in the tool and its forks. */
struct rst_cow_use {
	struct rst_stage_area a;
	bool owner;   /* the parent: its pages are the area's */
	pid_t from;   /* whose pages the area holds */
	bool created; /* mapped here (not a staged area): unmapped by the tool on release */
};

struct rst_cow {
	struct rst_cow_use *u;
	size_t n;
	bool released;
};

static bool cow_eligible(const VmaEntry *v)
{
	const uint32_t other = RST_VMA_FILE_PRIVATE | RST_VMA_FILE_SHARED | RST_VMA_ANON_SHARED |
			       RST_VMA_VDSO | RST_VMA_VVAR | RST_VMA_VSYSCALL | RST_VMA_SYSVIPC |
			       RST_VMA_SOCKET | RST_VMA_AIORING | RST_VMA_UNSUPP;

	return (v->status & RST_VMA_ANON_PRIVATE) && !(v->status & other) &&
	       !(v->flags & MAP_GROWSDOWN) && !(v->status & RST_VMA_STACK);
}

static const VmaEntry *cow_vma(const struct rst_task *t, unsigned long s, unsigned long e)
{
	for (size_t i = 0; !t->zombie && t->mm && i < t->mm->n_vmas; i++) {
		const VmaEntry *v = t->mm->vmas[i];

		if (v->start == s && v->end == e)
			return cow_eligible(v) ? v : NULL;
	}
	return NULL;
}

static const struct rst_cow_use *cow_find(const struct rst_cow *cw, pid_t pid, unsigned long s,
					  unsigned long e)
{
	for (size_t i = 0; cw && i < cw->n; i++)
		if (cw->u[i].a.pid == pid && cw->u[i].a.start == s && cw->u[i].a.end == e)
			return &cw->u[i];
	return NULL;
}

static bool cow_has_child(const struct rst_ctx *c, size_t i, const VmaEntry *v)
{
	for (size_t k = 0; k < c->nr_tasks; k++)
		if (c->tasks[k].parent == (int)i && cow_vma(&c->tasks[k], v->start, v->end))
			return true;
	return false;
}

/* Every range the tree maps or the areas already take: none may overlap an area. */
static int cow_taken(const struct rst_ctx *c, struct rst_range **out, size_t *n)
{
	size_t k = 0, max = c->cow ? c->cow->n : 0;

	for (size_t i = 0; i < c->nr_tasks; i++)
		max += c->tasks[i].mm ? c->tasks[i].mm->n_vmas : 0;
	*out = malloc((max + 1) * sizeof(**out));
	if (!*out)
		return -ENOMEM;
	for (size_t i = 0; i < c->nr_tasks; i++)
		for (size_t j = 0; c->tasks[i].mm && j < c->tasks[i].mm->n_vmas; j++)
			(*out)[k++] = (struct rst_range){c->tasks[i].mm->vmas[j]->start,
							 c->tasks[i].mm->vmas[j]->end};
	for (size_t i = 0; c->cow && i < c->cow->n; i++)
		(*out)[k++] = (struct rst_range){c->cow->u[i].a.addr, c->cow->u[i].a.addr +
									      c->cow->u[i].a.end -
									      c->cow->u[i].a.start};
	*n = k;
	return 0;
}

/* A new area in the tool with @t's pages of @v. */
static int cow_create(struct rst_ctx *c, const struct rst_task *t, const VmaEntry *v,
		      unsigned long *addr)
{
	unsigned long len = v->end - v->start;
	struct proc_vma_list cur = {0};
	struct rst_range *taken = NULL;
	struct rst_segs one = {0};
	size_t nt = 0;
	void *p;
	int ret;

	ret = proc_read_maps(getpid(), false, &cur);
	if (!ret)
		ret = cow_taken(c, &taken, &nt);
	if (!ret)
		ret = rst_find_gap(&cur, NULL, taken, nt, len, addr);
	proc_vma_list_free(&cur);
	free(taken);
	if (ret)
		return ret;
	p = mmap((void *)*addr, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	for (size_t i = 0; !ret && i < t->pages.n; i++) {
		struct rst_seg sg = t->pages.s[i];

		if (sg.vaddr + sg.len <= v->start || sg.vaddr >= v->end)
			continue;
		if (sg.vaddr < v->start) {
			sg.off += v->start - sg.vaddr, sg.len -= v->start - sg.vaddr;
			sg.vaddr = v->start;
		}
		if (sg.vaddr + sg.len > v->end)
			sg.len = v->end - sg.vaddr;
		sg.vaddr = *addr + (sg.vaddr - v->start);
		one.s = &sg, one.n = 1;
		ret = rst_fill(rst_ctx_filler(c), getpid(), &one);
	}
	if (ret)
		munmap(p, len);
	return ret;
}

static int cow_add(struct rst_cow *cw, pid_t pid, const VmaEntry *v, unsigned long addr, pid_t from,
		   bool created)
{
	if (ARRAY_GROW(cw->u, cw->n))
		return -ENOMEM;
	cw->u[cw->n++] = (struct rst_cow_use){
		.a = {.pid = pid, .start = v->start, .end = v->end, .addr = addr},
		.owner = from == pid,
		.from = from,
		.created = created,
	};
	return 0;
}

/* @t's use of @v's area: its parent's, or a new one when a child of it shares @v. */
static int cow_prepare_vma(struct rst_ctx *c, size_t i, const VmaEntry *v)
{
	const struct rst_task *t = &c->tasks[i];
	const struct rst_stage_area *st;
	const struct rst_cow_use *pu = NULL;
	unsigned long addr;
	int ret;

	if (t->parent >= 0) {
		pid_t pp = c->tasks[t->parent].pid;

		pu = cow_find(c->cow, pp, v->start, v->end);
		st = pu ? NULL : rst_stage_find(c->stage, pp, v->start, v->end);
		if (pu || (st && cow_vma(&c->tasks[t->parent], v->start, v->end)))
			return cow_add(c->cow, t->pid, v, pu ? pu->a.addr : st->addr,
				       pu ? pu->from : pp, false);
	}
	if (!cow_has_child(c, i, v))
		return 0;
	if (rst_stage_find(c->stage, t->pid, v->start, v->end))
		return 0; /* its staged area is the one its children take */
	if (!rst_ctx_filler(c))
		return -ENOMEM;
	ret = cow_create(c, t, v, &addr);
	if (ret) {
		pr_err("pid %d: no area for memory 0x%lx-0x%lx shared with its children: %s",
		       t->pid, (unsigned long)v->start, (unsigned long)v->end, strerror(-ret));
		return ret;
	}
	return cow_add(c->cow, t->pid, v, addr, t->pid, true);
}

int rst_cow_prepare(struct rst_ctx *c)
{
	int ret = 0;

	c->cow = calloc(1, sizeof(*c->cow));
	if (!c->cow)
		return -ENOMEM;
	/* Parents come before their children in the pstree order. */
	for (size_t i = 0; !ret && i < c->nr_tasks; i++) {
		const struct rst_task *t = &c->tasks[i];

		if (t->zombie || !t->mm || t->parent >= (int)i)
			continue;
		for (size_t k = 0; !ret && k < t->mm->n_vmas; k++)
			if (cow_eligible(t->mm->vmas[k]))
				ret = cow_prepare_vma(c, i, t->mm->vmas[k]);
	}
	return ret;
}

const struct rst_stage_area *rst_cow_find(const struct rst_ctx *c, pid_t pid, unsigned long start,
					  unsigned long end)
{
	const struct rst_cow_use *u = cow_find(c->cow, pid, start, end);

	return u ? &u->a : NULL;
}

bool rst_cow_owner(const struct rst_ctx *c, pid_t pid, unsigned long start, unsigned long end)
{
	const struct rst_cow_use *u = cow_find(c->cow, pid, start, end);

	return u && u->owner;
}

size_t rst_cow_areas(const struct rst_ctx *c, pid_t pid, const struct rst_stage_area **out,
		     size_t max)
{
	size_t n = 0;

	for (size_t i = 0; c->cow && i < c->cow->n && n < max; i++)
		if (c->cow->u[i].a.pid == pid)
			out[n++] = &c->cow->u[i].a;
	return n;
}

static int cow_dontneed(struct rst_task *t, struct inject *in, unsigned long s, unsigned long e)
{
	long r = s < e ? inject_call(in, SYS_madvise, s, e - s, MADV_DONTNEED, 0, 0, 0) : 0;

	if (r)
		pr_err("pid %d: madvise(MADV_DONTNEED) 0x%lx-0x%lx: %s", t->pid, s, e,
		       strerror((int)-r));
	return (int)r;
}

/* Reads [@sg.vaddr, +@sg.len) of @segs (zero where they have nothing) into @buf. */
static int cow_read(const struct rst_segs *segs, unsigned long vaddr, size_t len, char *buf)
{
	memset(buf, 0, len);
	for (size_t i = 0; i < segs->n; i++) {
		const struct rst_seg *sg = &segs->s[i];
		unsigned long s = sg->vaddr > vaddr ? sg->vaddr : vaddr;
		unsigned long e =
			sg->vaddr + sg->len < vaddr + len ? sg->vaddr + sg->len : vaddr + len;

		if (s >= e)
			continue;
		if (pread(sg->pages_fd, buf + (s - vaddr), e - s,
			  (off_t)(sg->off + (s - sg->vaddr))) != (ssize_t)(e - s))
			return errno ? -errno : -EIO;
	}
	return 0;
}

/*
 * Writes the pages of [@vaddr, +@len) (@buf) that differ from @ref, what
 * the area holds there. Compared with the images, not with the process: a
 * process_vm_readv pins the pages it reads, and pinning a page shared
 * copy-on-write copies it (the kernel unshares it first).
 */
static int cow_write_diff(pid_t pid, unsigned long vaddr, const char *buf, const char *ref,
			  size_t len)
{
	size_t ps = (size_t)sysconf(_SC_PAGESIZE), i = 0;
	struct iovec l, r;

	while (i < len) {
		size_t j = i;

		if (!memcmp(buf + i, ref + i, ps)) {
			i += ps;
			continue;
		}
		while (j < len && memcmp(buf + j, ref + j, ps))
			j += ps;
		l = (struct iovec){(void *)(buf + i), j - i};
		r = (struct iovec){(void *)(vaddr + i), j - i};
		if (process_vm_writev(pid, &l, 1, &r, 1, 0) != (ssize_t)(j - i))
			return errno ? -errno : -EIO;
		i = j;
	}
	return 0;
}

/* One run of @t's pages in the area (clipped to it): read, compared, written where different. */
static int cow_seg(const struct rst_ctx *c, struct rst_task *t, const struct rst_segs *from,
		   struct rst_seg sg, char *buf, char *ref)
{
	while (sg.len) {
		size_t n = sg.len < COW_CHUNK ? sg.len : COW_CHUNK;
		ssize_t got = pread(sg.pages_fd, buf, n, (off_t)sg.off);
		int ret;

		if (got != (ssize_t)n)
			return got < 0 ? -errno : -EIO;
		ret = rst_csums_check(&c->csums, &sg, 0, buf, n, t->pid);
		if (!ret)
			ret = cow_read(from, sg.vaddr, n, ref);
		if (!ret)
			ret = cow_write_diff(t->pid, sg.vaddr, buf, ref, n);
		if (ret)
			return ret;
		sg.vaddr += n, sg.off += n, sg.len -= n;
	}
	return 0;
}

int rst_cow_fill(const struct rst_ctx *c, struct rst_task *t, struct inject *in,
		 const struct rst_stage_area *a)
{
	const struct rst_cow_use *u = cow_find(c->cow, t->pid, a->start, a->end);
	char *buf = malloc(COW_CHUNK), *ref = malloc(COW_CHUNK);
	const struct rst_segs *from = NULL;
	unsigned long done = a->start;
	int ret = buf && ref ? 0 : -ENOMEM;

	for (size_t i = 0; u && i < c->nr_tasks; i++)
		if (c->tasks[i].pid == u->from)
			from = &c->tasks[i].pages;
	if (!from)
		ret = -ENOENT;
	for (size_t i = 0; !ret && i < t->pages.n; i++) {
		struct rst_seg sg = t->pages.s[i];

		if (sg.vaddr + sg.len <= a->start || sg.vaddr >= a->end)
			continue;
		if (sg.vaddr < a->start) {
			sg.off += a->start - sg.vaddr, sg.len -= a->start - sg.vaddr;
			sg.vaddr = a->start;
		}
		if (sg.vaddr + sg.len > a->end)
			sg.len = a->end - sg.vaddr;
		ret = cow_dontneed(t, in, done, sg.vaddr);
		if (!ret)
			ret = cow_seg(c, t, from, sg, buf, ref);
		done = sg.vaddr + sg.len;
	}
	if (!ret)
		ret = cow_dontneed(t, in, done, a->end);
	if (ret)
		pr_err("pid %d: memory 0x%lx-0x%lx shared with its parent: %s", t->pid, a->start,
		       a->end, strerror(-ret));
	free(buf);
	free(ref);
	return ret;
}

void rst_cow_release(struct rst_ctx *c)
{
	struct rst_cow *cw = c->cow;

	for (size_t i = 0; cw && !cw->released && i < cw->n; i++)
		if (cw->u[i].created)
			munmap((void *)cw->u[i].a.addr, cw->u[i].a.end - cw->u[i].a.start);
	if (cw)
		cw->released = true;
}

void rst_cow_free(struct rst_ctx *c)
{
	rst_cow_release(c);
	if (c->cow)
		free(c->cow->u);
	free(c->cow);
	c->cow = NULL;
}
