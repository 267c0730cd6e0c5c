/*
 * Restore: the address space of one process, rebuilt through syscall
 * injection while the process is seized inside the tool's code:
 *   1. scratch page at an address free in both the current and the target layout
 *   2. unmap everything of the tool's copy but the vDSO areas and the scratch
 *   3. move [vvar], [vvar_vclock], [vdso] to their recorded addresses
 *   4. mmap every recorded VMA read-write at its address
 *   5. fill the pages (restore-fill.c: process_vm_writev from the pages files)
 *   6. mprotect to the recorded protection, madvise the recorded advice
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "array.h"
#include "inject.h"
#include "log.h"
#include "proc-maps.h"
#include "restore.h"
#include "restore-lazy.h"
#include "restore-scratch.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

static bool rst_is_special(const VmaEntry *v)
{
	/* an AIO ring is made by io_setup (restore-aio.c) */
	return v->status & (RST_VMA_VDSO | RST_VMA_VVAR | RST_VMA_VSYSCALL | RST_VMA_AIORING);
}

static long rst_munmap(struct inject *in, unsigned long s, unsigned long len)
{
	return inject_call(in, SYS_munmap, s, len, 0, 0, 0, 0);
}

static int rst_unmap(struct rst_task *t, struct inject *in, unsigned long s, unsigned long e)
{
	long r;

	pr_debug("pid %d: unmap 0x%lx-0x%lx", t->pid, s, e);
	r = rst_munmap(in, s, e - s);
	if (r) {
		pr_err("pid %d: cannot unmap 0x%lx-0x%lx of the tool: %s", t->pid, s, e,
		       strerror((int)-r));
		return r < 0 ? (int)r : -EIO;
	}
	return 0;
}

static int rst_area_cmp(const void *x, const void *y)
{
	const struct rst_stage_area *a = *(const struct rst_stage_area *const *)x;
	const struct rst_stage_area *b = *(const struct rst_stage_area *const *)y;

	return a->addr < b->addr ? -1 : a->addr > b->addr;
}

/*
 * The areas @t keeps from the tool, in address order: its staged ones and
 * those it shares with its parent or children (restore-cow.c), which replace
 * its own staged copy of the same VMA.
 */
static size_t rst_kept_areas(const struct rst_ctx *c, const struct rst_task *t,
			     const struct rst_stage_area ***out)
{
	const struct rst_stage_area **st = NULL, **r;
	size_t ns = rst_stage_areas(c->stage, t->pid, &st), n = 0, nc;

	r = calloc(ns + (t->mm ? t->mm->n_vmas : 0) + 1, sizeof(*r));
	if (!r) {
		free(st);
		*out = NULL;
		return 0;
	}
	for (size_t i = 0; i < ns; i++) {
		const struct rst_stage_area *cw = rst_cow_find(c, t->pid, st[i]->start, st[i]->end);

		if (!cw || cw->addr == st[i]->addr)
			r[n++] = st[i];
	}
	nc = rst_cow_areas(c, t->pid, r + n, t->mm ? t->mm->n_vmas : 0);
	n += nc;
	free(st);
	qsort(r, n, sizeof(*r), rst_area_cmp);
	*out = r;
	return n;
}

static int rst_range_cmp(const void *x, const void *y)
{
	const struct rst_range *a = x, *b = y;

	return a->s < b->s ? -1 : a->s > b->s;
}

/* The first of the @n ranges @k (address order) that ends above @a. */
static size_t rst_range_after(const struct rst_range *k, size_t n, unsigned long a)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (k[mid].e <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * What of its address space a new process keeps, in address order: the vDSO
 * areas, the scratch area, its staged and copy-on-write areas, and the
 * mappings it made itself (restore-premap.c).
 */
static int rst_keep_ranges(struct rst_ctx *c, struct rst_task *t, const struct inject *in,
			   const struct proc_vma_list *cur, struct rst_range **out, size_t *n)
{
	const struct rst_stage_area **own = NULL;
	size_t nr_own = rst_kept_areas(c, t, &own), nv = t->mm ? t->mm->n_vmas : 0;
	struct rst_range *k = calloc(nr_own + nv + cur->n + 2, sizeof(*k));

	*n = 0;
	if (!k) {
		free(own);
		return -ENOMEM;
	}
	for (size_t i = 0; i < nr_own; i++)
		k[(*n)++] = (struct rst_range){own[i]->addr,
					       own[i]->addr + own[i]->end - own[i]->start};
	for (size_t i = 0; i < nv; i++)
		if (rst_premapped(c, t, i))
			k[(*n)++] = (struct rst_range){t->mm->vmas[i]->start, t->mm->vmas[i]->end};
	for (size_t i = 0; i < cur->n; i++)
		if (cur->v[i].kind == PROC_VMA_VDSO || cur->v[i].kind == PROC_VMA_VVAR ||
		    cur->v[i].kind == PROC_VMA_VSYSCALL)
			k[(*n)++] = (struct rst_range){cur->v[i].start, cur->v[i].end};
	k[(*n)++] = (struct rst_range){in->scratch, in->scratch + in->scratch_len};
	qsort(k, *n, sizeof(*k), rst_range_cmp);
	free(own);
	*out = k;
	return 0;
}

/* Steps 1 and 2: everything of the tool goes but what the process keeps. */
static int rst_clear_tool(struct rst_ctx *c, struct rst_task *t, struct inject *in,
			  struct proc_vma_list *cur)
{
	struct rst_range *keep = NULL;
	unsigned long scratch, ps = 0, pe = 0;
	size_t nk = 0;
	int ret;

	ret = rst_find_gap(cur, t->mm, NULL, 0, RST_SCRATCH_LEN, &scratch);
	if (!ret)
		ret = inject_map_scratch(in, scratch, RST_SCRATCH_LEN);
	if (ret) {
		pr_err("pid %d: no room for scratch memory: %s", t->pid, strerror(-ret));
		return ret;
	}
	ret = rst_keep_ranges(c, t, in, cur, &keep, &nk);
	/*
	 * The tool's mappings less what is kept, one munmap for each run of
	 * pieces with nothing kept between them (the holes hold nothing): about
	 * 60 mappings, a ptrace round trip each, become a few calls.
	 */
	for (size_t i = 0; !ret && i < cur->n; i++) {
		unsigned long s = cur->v[i].start, e = cur->v[i].end, b;
		size_t k = rst_range_after(keep, nk, s), j;

		while (!ret && s < e) {
			while (k < nk && keep[k].e <= s)
				k++;
			if (k < nk && keep[k].s <= s) {
				s = keep[k].e;
				continue;
			}
			b = k < nk && keep[k].s < e ? keep[k].s : e;
			j = pe ? rst_range_after(keep, nk, pe) : nk;
			if (pe && j < nk && keep[j].s < s) {
				ret = rst_unmap(t, in, ps, pe);
				pe = 0;
			}
			if (!pe)
				ps = s;
			pe = b;
			s = b;
		}
	}
	if (!ret && pe)
		ret = rst_unmap(t, in, ps, pe);
	free(keep);
	return ret;
}

static long rst_mremap(struct inject *in, unsigned long from, unsigned long len, unsigned long to)
{
	pr_debug("pid %d: mremap 0x%lx-0x%lx to 0x%lx", in->tid, from, from + len, to);
	return inject_call(in, SYS_mremap, from, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, to, 0);
}

/* Step 3: the vDSO areas, in address order on both sides, via a temporary spot. */
static int rst_move_vdso(struct rst_task *t, struct inject *in, const struct proc_vma_list *cur)
{
	struct rst_range have[4], want[4], extra[6];
	size_t nh = 0, nw = 0, ne = 0;
	unsigned long tmp;
	bool same = true;
	int ret;

	for (size_t i = 0; i < cur->n && nh < 4; i++)
		if (cur->v[i].kind == PROC_VMA_VDSO || cur->v[i].kind == PROC_VMA_VVAR)
			have[nh++] = (struct rst_range){cur->v[i].start, cur->v[i].end};
	for (size_t i = 0; i < t->mm->n_vmas && nw < 4; i++)
		if (t->mm->vmas[i]->status & (RST_VMA_VDSO | RST_VMA_VVAR))
			want[nw++] = (struct rst_range){t->mm->vmas[i]->start, t->mm->vmas[i]->end};
	if (nw == 0)
		return 0; /* the dumped process had no vDSO: leave ours */
	for (size_t i = 0; i < nh && i < nw; i++) {
		if (have[i].e - have[i].s != want[i].e - want[i].s)
			nw = 0;
		same = same && have[i].s == want[i].s;
	}
	if (nh != nw) {
		pr_err("pid %d: the vDSO layout differs from the dumped one (another kernel?)",
		       t->pid);
		return -EINVAL;
	}
	if (same)
		return 0;
	for (size_t i = 0; i < nh; i++)
		extra[ne++] = have[i];
	extra[ne++] = (struct rst_range){in->scratch, in->scratch + in->scratch_len};
	/* @cur: the staged areas this process keeps are in it too. */
	ret = rst_find_gap(cur, t->mm, extra, ne, have[nh - 1].e - have[0].s, &tmp);
	if (ret)
		return ret;
	for (size_t i = 0; i < nh; i++) {
		long r = rst_mremap(in, have[i].s, have[i].e - have[i].s,
				    tmp + have[i].s - have[0].s);

		/* The syscall instruction we borrow moves with [vdso]. */
		if ((r < 0 && r > -4096) || inject_refind_insn(in))
			goto fail;
	}
	for (size_t i = 0; i < nh; i++) {
		long r = rst_mremap(in, tmp + have[i].s - have[0].s, have[i].e - have[i].s,
				    want[i].s);

		if ((r < 0 && r > -4096) || inject_refind_insn(in))
			goto fail;
	}
	return 0;
fail:
	pr_err("pid %d: cannot move the vDSO to 0x%lx", t->pid, want[0].s);
	return -EIO;
}

/*
 * A packet socket's rings (RST_VMA_SOCKET): mapped from the restored socket
 * (its rings set up by restore-packet.c), already in the process's fd table;
 * a duplicate of that fd is mapped and closed like a file's.
 */
static int rst_socket_fd(const struct rst_task *t, struct inject *in, const VmaEntry *v, int *fd)
{
	for (size_t i = 0; i < t->nr_fds; i++) {
		long r;

		if (t->fds[i]->id != v->shmid)
			continue;
		r = inject_call(in, SYS_fcntl, t->fds[i]->fd, F_DUPFD_CLOEXEC, 0, 0, 0, 0);
		if (r < 0)
			return (int)r;
		*fd = (int)r;
		return 0;
	}
	return -EBADF; /* the dump requires the socket open in the process */
}

/*
 * The file a run of VMAs maps, open in the process: a library's four or five
 * mappings take one open and one close, not one of each per mapping.
 */
struct rst_map_file {
	uint32_t id;
	int flags;
	int fd; /* in the process, -1: none */
};

static void rst_map_file_close(struct inject *in, struct rst_map_file *mf)
{
	if (mf->fd >= 0)
		inject_call(in, SYS_close, (unsigned long)mf->fd, 0, 0, 0, 0, 0);
	mf->fd = -1;
}

static int rst_vma_fd(struct rst_ctx *c, struct rst_task *t, struct inject *in, const VmaEntry *v,
		      struct rst_map_file *mf, int *fd)
{
	const FileEntry *fe;
	const char *name;
	char path[96];
	int flags;

	*fd = -1;
	if (v->status & RST_VMA_ANON_SHARED)
		return rst_shm_open(c, t, in, v, fd);
	if (v->status & RST_VMA_SOCKET)
		return rst_socket_fd(t, in, v, fd);
	if (!(v->status & (RST_VMA_FILE_PRIVATE | RST_VMA_FILE_SHARED)))
		return 0;
	/*
	 * A private mapping never needs write access, whatever the image says:
	 * a file open for writing, held by the mapping, makes every exec of it
	 * fail with ETXTBSY (of ld.so: every exec on the machine).
	 */
	if (!(v->status & RST_VMA_FILE_SHARED))
		flags = O_RDONLY;
	else if (v->has_fdflags)
		flags = (int)v->fdflags & O_ACCMODE;
	else
		flags = v->prot & PROT_WRITE ? O_RDWR : O_RDONLY;
	if (mf->fd >= 0 && mf->id == (uint32_t)v->shmid && mf->flags == flags) {
		*fd = mf->fd;
		return 0;
	}
	rst_map_file_close(in, mf);
	fe = rst_file_entry(c, (uint32_t)v->shmid);
	if (fe->memfd) {
		int ret = rst_memfd_path(c, fe, path, sizeof(path));

		if (ret)
			return ret;
		name = path;
	} else {
		name = rst_file_map_path(c, t, fe, path, sizeof(path));
		if (!name)
			return -ENOENT;
	}
	*fd = rst_open_in_task(in, name, flags);
	if (*fd < 0)
		return *fd;
	*mf = (struct rst_map_file){(uint32_t)v->shmid, flags, *fd};
	return 0;
}

/*
 * Step 4 for one VMA. Never MAP_POPULATE: the pages with contents are
 * allocated by the process_vm_writev that fills them (restore-fill.c), the
 * others were never touched before the dump either.
 */
static int rst_map_vma(struct rst_ctx *c, struct rst_task *t, struct inject *in, const VmaEntry *v,
		       struct rst_map_file *mf)
{
	unsigned long flags =
		(v->flags & (MAP_SHARED | MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN)) | MAP_FIXED;
	unsigned long prot = v->prot | PROT_READ | PROT_WRITE;
	int fd, ret;
	long r;

	if (v->status & RST_VMA_SYSVIPC) {
		ret = rst_sysv_attach(t, in, v);
		if (ret != -ENOENT)
			return ret;
	}
	ret = rst_vma_fd(c, t, in, v, mf, &fd);
	if (ret) {
		const FileEntry *fe = rst_file_entry(c, (uint32_t)v->shmid);
		bool file = !(v->status & (RST_VMA_SOCKET | RST_VMA_ANON_SHARED)) && fe && fe->reg;

		pr_err("pid %d: vma 0x%lx-0x%lx: cannot open '%s': %s%s", t->pid,
		       (unsigned long)v->start, (unsigned long)v->end,
		       v->status & RST_VMA_SOCKET ? "packet socket"
		       : file			  ? fe->reg->name
						  : "shared memory",
		       strerror(-ret),
		       file && ret == -ENOENT ? " (removed since the dump; criu-lite saves no file "
						"contents: put it back as it was at the dump and "
						"restore again)"
					      : "");
		return ret;
	}
	if (fd >= 0) {
		flags &= ~(unsigned long)MAP_ANONYMOUS;
		if (v->status & RST_VMA_ANON_SHARED)
			flags = MAP_SHARED | MAP_FIXED;
		/* Do not ask for write access a read-only shared file cannot give. */
		if ((flags & MAP_SHARED) && !(v->prot & PROT_WRITE))
			prot &= ~(unsigned long)PROT_WRITE;
	}
	pr_debug("pid %d: mmap 0x%lx-0x%lx prot %lx flags %lx fd %d", t->pid,
		 (unsigned long)v->start, (unsigned long)v->end, prot, flags, fd);
	r = inject_mmap(in, v->start, v->end - v->start, prot, flags, (unsigned long)(long)fd,
			fd >= 0 ? v->pgoff : 0);
	if (fd >= 0 && fd != mf->fd)
		inject_call(in, SYS_close, (unsigned long)fd, 0, 0, 0, 0, 0);
	if (r != (long)v->start) {
		pr_err("pid %d: cannot map vma 0x%lx-0x%lx: %s", t->pid, (unsigned long)v->start,
		       (unsigned long)v->end, r < 0 ? strerror((int)-r) : "moved");
		return r < 0 ? (int)r : -EIO;
	}
	return 0;
}

/* An area locked at dump (mlock, MAP_LOCKED) is locked again once filled. */
static int rst_lock(struct rst_task *t, struct inject *in, const VmaEntry *v)
{
	long r;

	if (!(v->flags & MAP_LOCKED))
		return 0;
	r = inject_call(in, SYS_mlock, v->start, v->end - v->start, 0, 0, 0, 0);
	if (r) {
		pr_err("pid %d: mlock of mapping 0x%lx-0x%lx: %s (RLIMIT_MEMLOCK or "
		       "CAP_IPC_LOCK needed)",
		       t->pid, (unsigned long)v->start, (unsigned long)v->end, strerror((int)-r));
		return (int)r;
	}
	return 0;
}

/* Step 6. */
static int rst_protect(const struct rst_ctx *c, struct rst_task *t, struct inject *in)
{
	for (size_t i = 0; i < t->mm->n_vmas; i++) {
		const VmaEntry *v = t->mm->vmas[i];
		long r;

		/* advised and protected by the process itself */
		if (rst_is_special(v) || rst_premapped(c, t, i))
			continue;
		for (unsigned int b = 0; v->has_madv && b < 64; b++) {
			if (!(v->madv & (1ull << b)) || b == MADV_POPULATE_WRITE || b == 22)
				continue;
			r = inject_call(in, SYS_madvise, v->start, v->end - v->start, b, 0, 0, 0);
			if (r)
				pr_warn("pid %d: madvise(%u) on 0x%lx: %ld", t->pid, b,
					(unsigned long)v->start, r);
		}
		if (v->prot != (PROT_READ | PROT_WRITE)) {
			r = inject_call(in, SYS_mprotect, v->start, v->end - v->start, v->prot, 0,
					0, 0);
			if (r) {
				pr_err("pid %d: mprotect 0x%lx-0x%lx: %s", t->pid,
				       (unsigned long)v->start, (unsigned long)v->end,
				       strerror((int)-r));
				return (int)r;
			}
		}
		r = rst_lock(t, in, v);
		if (r)
			return (int)r;
	}
	return 0;
}

static void rst_mark(const struct rst_task *t, const char *what)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	pr_debug("pid %d: mm %s at %ld.%06ld", t->pid, what, (long)ts.tv_sec, ts.tv_nsec / 1000);
}

/* Step 4 for a staged VMA: its area, filled ahead, moves into place. */
static int rst_take_staged(struct rst_task *t, struct inject *in, const struct rst_stage_area *a)
{
	long r = rst_mremap(in, a->addr, a->end - a->start, a->start);

	if (r != (long)a->start) {
		pr_err("pid %d: cannot move staged memory 0x%lx to vma 0x%lx-0x%lx: %s", t->pid,
		       a->addr, a->start, a->end, r < 0 ? strerror((int)-r) : "moved");
		return r < 0 ? (int)r : -EIO;
	}
	return 0;
}

static int rst_area_start_cmp(const void *x, const void *y)
{
	const struct rst_stage_area *a = *(const struct rst_stage_area *const *)x;
	const struct rst_stage_area *b = *(const struct rst_stage_area *const *)y;

	return a->start < b->start ? -1 : a->start > b->start;
}

/* Whether VMA @i of @t gets no pages from the fill: an AIO ring, or made by the process. */
static bool rst_vma_unfilled(const struct rst_ctx *c, const struct rst_task *t, size_t i)
{
	return (t->mm->vmas[i]->status & RST_VMA_AIORING) || rst_premapped(c, t, i);
}

/* The runs of @t's pages outside the areas it takes (those hold theirs already). */
static int rst_unstaged_pages(const struct rst_ctx *c, const struct rst_task *t,
			      struct rst_segs *out)
{
	const struct rst_stage_area **own = NULL, **o2;
	size_t nr_own = rst_kept_areas(c, t, &own), nr_cut = 0, k0 = 0;
	struct rst_stage_area *cut;

	*out = t->pages;
	/* An AIO ring's pages are put back by restore-aio.c, not written. */
	for (size_t i = 0; i < t->mm->n_vmas; i++)
		nr_cut += rst_vma_unfilled(c, t, i);
	cut = calloc(nr_cut + 1, sizeof(*cut));
	o2 = realloc(own, (nr_own + nr_cut + 1) * sizeof(*own));
	if (!o2 || !cut) {
		free(o2 ? o2 : own);
		free(cut);
		return -ENOMEM;
	}
	own = o2;
	for (size_t i = 0, k = 0; i < t->mm->n_vmas; i++) {
		if (!rst_vma_unfilled(c, t, i))
			continue;
		cut[k] = (struct rst_stage_area){.start = t->mm->vmas[i]->start,
						 .end = t->mm->vmas[i]->end};
		own[nr_own++] = &cut[k++];
	}
	if (!nr_own) {
		free(own);
		free(cut);
		return 0;
	}
	/*
	 * Exactly sized and only read: never grown with rst_segs_add(). Each
	 * area cuts at most one more piece out of the runs.
	 */
	out->s = malloc((t->pages.n + nr_own + 1) * sizeof(*out->s));
	out->n = 0;
	if (!out->s) {
		free(own);
		free(cut);
		return -ENOMEM;
	}
	qsort(own, nr_own, sizeof(*own), rst_area_start_cmp);
	for (size_t i = 0; i < t->pages.n; i++) {
		struct rst_seg sg = t->pages.s[i];

		/* areas (disjoint, in order) ending before this run end before the next ones */
		while (k0 < nr_own && own[k0]->end <= sg.vaddr)
			k0++;
		/* A run reaching past an area is cut: a page written there breaks its sharing. */
		for (size_t k = k0; k < nr_own && sg.len; k++) {
			unsigned long s0 = own[k]->start, e0 = own[k]->end, c0;

			if (s0 >= sg.vaddr + sg.len)
				break;
			if (e0 <= sg.vaddr)
				continue;
			if (s0 > sg.vaddr) {
				out->s[out->n] = sg;
				out->s[out->n++].len = s0 - sg.vaddr;
			}
			c0 = e0 < sg.vaddr + sg.len ? e0 - sg.vaddr : sg.len;
			sg.vaddr += c0, sg.off += c0, sg.len -= c0;
		}
		if (sg.len)
			out->s[out->n++] = sg;
	}
	free(own);
	free(cut);
	return 0;
}

/*
 * A process dumped without a vDSO (it unmapped it) loses the tool's: [vvar]
 * areas first, [vdso] last, since the syscall instruction we borrow is there;
 * then another one is found in its own executable mappings.
 */
static int rst_drop_vdso(struct rst_task *t, struct inject *in, const struct proc_vma_list *cur)
{
	int ret = 0;

	for (size_t i = 0; i < t->mm->n_vmas; i++)
		if (t->mm->vmas[i]->status & (RST_VMA_VDSO | RST_VMA_VVAR))
			return 0;
	for (int pass = 0; pass < 2 && !ret; pass++) {
		for (size_t i = 0; i < cur->n && !ret; i++) {
			const struct proc_vma *v = &cur->v[i];
			long r;

			if (v->kind != (pass ? PROC_VMA_VDSO : PROC_VMA_VVAR))
				continue;
			r = rst_munmap(in, v->start, v->end - v->start);
			if (r)
				ret = (int)r;
		}
	}
	if (!ret)
		ret = inject_refind_insn(in);
	if (ret)
		pr_err("pid %d: cannot drop the vDSO (the dumped process had none): %s", t->pid,
		       strerror(-ret));
	return ret;
}

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102 /* Linux 6.13 */
#endif

/* The guard regions, once every page around them is in place. */
static int rst_guards(struct rst_task *t, struct inject *in)
{
	for (size_t i = 0; i < t->nr_guards; i++) {
		const VmaEntry *g = t->mm->vmas[t->mm->n_vmas + i];
		long r = inject_call(in, SYS_madvise, g->start, g->end - g->start,
				     MADV_GUARD_INSTALL, 0, 0, 0);

		if (r) {
			pr_err("pid %d: guard region 0x%lx-0x%lx (MADV_GUARD_INSTALL, Linux "
			       "6.13+): "
			       "%s",
			       t->pid, (unsigned long)g->start, (unsigned long)g->end,
			       strerror((int)-r));
			return (int)r;
		}
	}
	return 0;
}

/* The membarrier(2) registrations, one REGISTER command per recorded bit. */
static int rst_membarrier(struct rst_task *t, struct inject *in)
{
	const TaskCoreEntry *tc = t->th[0].core->tc;

	for (unsigned int b = 0; tc && tc->has_membarrier_registration_mask && b < 32; b++) {
		long r;

		if (!(tc->membarrier_registration_mask & (1u << b)))
			continue;
		r = inject_call(in, SYS_membarrier, 1u << b, 0, 0, 0, 0, 0);
		if (r) {
			pr_err("pid %d: membarrier registration 0x%x: %s", t->pid, 1u << b,
			       strerror((int)-r));
			return (int)r;
		}
	}
	return 0;
}

int rst_mm_restore(struct rst_ctx *c, struct rst_task *t, struct inject *in)
{
	struct proc_vma_list cur = {0};
	struct rst_filler *f = NULL;
	struct rst_segs pages = {0}, eager = {0};
	struct rst_map_file mf = {.fd = -1};
	int ret;

	rst_mark(t, "start");
	ret = proc_read_maps(t->pid, false, &cur);
	if (ret) {
		pr_err("pid %d: cannot read its maps: %s", t->pid, strerror(-ret));
		return ret;
	}
	ret = rst_clear_tool(c, t, in, &cur);
	if (!ret)
		ret = rst_move_vdso(t, in, &cur);
	rst_mark(t, "cleared");
	for (size_t i = 0; !ret && i < t->mm->n_vmas; i++) {
		const VmaEntry *v = t->mm->vmas[i];
		const struct rst_stage_area *cw = rst_cow_find(c, t->pid, v->start, v->end);
		const struct rst_stage_area *a = rst_stage_find(c->stage, t->pid, v->start, v->end);

		if (cw) {
			ret = rst_take_staged(t, in, cw);
			if (!ret && !rst_cow_owner(c, t->pid, v->start, v->end))
				ret = rst_cow_fill(c, t, in, cw);
		} else if (a) {
			ret = rst_take_staged(t, in, a);
		} else if (!rst_is_special(v) && !rst_premapped(c, t, i)) {
			ret = rst_map_vma(c, t, in, v, &mf);
		}
	}
	rst_map_file_close(in, &mf);
	rst_mark(t, "mapped");
	if (!ret)
		ret = rst_unstaged_pages(c, t, &pages);
	/* --lazy-pages: the runs in lazy VMAs stay out, served on first touch */
	if (!ret)
		ret = rst_lazy_eager(c, t, &pages, &eager);
	/* its buffers (32 MiB, populated) only when there is something to write */
	f = ret || !eager.n ? NULL : rst_ctx_filler(c);
	if (!ret && eager.n && !f)
		ret = -ENOMEM;
	if (!ret && f)
		ret = rst_fill(f, t->pid, &eager);
	rst_mark(t, "filled");
	if (f)
		rst_filler_report(f, t->pid);
	/* before anything else may touch a lazy page (rseq, clone, mlock...) */
	if (!ret)
		ret = rst_lazy_register(c, t, in);
	if (!ret)
		ret = rst_protect(c, t, in);
	if (!ret)
		ret = rst_aio_restore(c, t, in);
	if (!ret)
		ret = rst_guards(t, in);
	if (!ret)
		ret = rst_membarrier(t, in);
	if (!ret)
		ret = rst_drop_vdso(t, in, &cur);
	if (eager.s != pages.s)
		free(eager.s);
	if (pages.s != t->pages.s)
		free(pages.s);
	proc_vma_list_free(&cur);
	return ret;
}
