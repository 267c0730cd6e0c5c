/*
 * VMA flags read before the freeze. /proc/PID/smaps is the only source of
 * VmFlags (madvise state, VM_IO/VM_PFNMAP, growsdown), but reading it walks
 * every page table of the process to count Rss/Pss: ~40 ms per populated GiB
 * here, more under load, all of it inside the frozen window. So smaps is read
 * once per process of the tree before it is seized, and while frozen only
 * /proc/PID/maps (no page walk) is read: where every VMA is the same as
 * before (bounds, protection, sharing, offset, file, name) the flags are
 * taken from the early read; otherwise smaps is read again, frozen.
 *
 * What this can miss: a madvise() on a whole VMA (MADV_HUGEPAGE, DONTFORK,
 * DONTDUMP, WIPEONFORK...) made between the early read and the freeze, which
 * changes VmFlags but not the maps line. The image then carries the advice of
 * a few milliseconds earlier. Page contents and the VMA layout are always
 * read frozen; VM_IO/VM_PFNMAP and growsdown are fixed at mmap time.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "dump.h"
#include "log.h"

#define MM_PRE_MAX_TASKS 4096

struct dump_mm_pre {
	pid_t *pids;
	struct proc_vma_list *lists;
	size_t n;
};

static int pre_add(struct dump_mm_pre *p, pid_t pid)
{
	struct proc_vma_list l;

	for (size_t i = 0; i < p->n; i++)
		if (p->pids[i] == pid)
			return 0;
	if (p->n == MM_PRE_MAX_TASKS)
		return -E2BIG;
	if (ARRAY_GROW(p->pids, p->n) || ARRAY_GROW(p->lists, p->n))
		return -ENOMEM;
	if (proc_read_maps(pid, true, &l))
		return 0; /* gone, or not ours to read: read frozen */
	p->pids[p->n] = pid;
	p->lists[p->n++] = l;
	return 0;
}

/* Adds the children of every thread of @pid (/proc/PID/task/TID/children). */
static void pre_add_children(struct dump_mm_pre *p, pid_t pid)
{
	char path[64], *buf, *s, *end;
	struct dirent *de;
	size_t len;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%.16s/children", (int)pid, de->d_name);
		if (proc_read_file(path, &buf, &len))
			continue;
		for (s = buf; *s; s = end) {
			long c = strtol(s, &end, 10);

			if (end == s)
				break;
			if (c > 0 && pre_add(p, (pid_t)c))
				break;
		}
		free(buf);
	}
	closedir(d);
}

void dump_mm_prefetch(struct dump_ctx *ctx, pid_t root)
{
	struct dump_mm_pre *p = calloc(1, sizeof(*p));

	if (!p)
		return;
	ctx->mm_pre = p;
	if (pre_add(p, root))
		return;
	/* the list grows while it is walked: breadth first over the tree */
	for (size_t i = 0; i < p->n; i++)
		pre_add_children(p, p->pids[i]);
	pr_debug("dump: VMA flags of %zu processes read before the freeze\n", p->n);
}

void dump_mm_prefetch_free(struct dump_ctx *ctx)
{
	struct dump_mm_pre *p = ctx->mm_pre;

	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++)
		proc_vma_list_free(&p->lists[i]);
	free(p->pids);
	free(p->lists);
	free(p);
	ctx->mm_pre = NULL;
}

uint64_t dump_mm_prefetch_bytes(const struct dump_ctx *ctx)
{
	const struct dump_mm_pre *p = ctx->mm_pre;
	uint64_t kb = 0;

	/* What a dump copies: anonymous and shmem memory, file mappings' COWed pages. */
	for (size_t i = 0; p && i < p->n; i++)
		for (size_t j = 0; j < p->lists[i].n; j++) {
			const struct proc_vma *v = &p->lists[i].v[j];
			bool anon = v->kind == PROC_VMA_ANON || v->kind == PROC_VMA_HEAP ||
				    v->kind == PROC_VMA_STACK || v->kind == PROC_VMA_SHMEM_ANON;

			kb += (anon ? v->rss_kb : v->anon_kb) + v->swap_kb;
		}
	return kb * 1024;
}

static bool same_vma(const struct proc_vma *a, const struct proc_vma *b)
{
	if (a->start != b->start || a->end != b->end || a->prot != b->prot ||
	    a->shared != b->shared || a->pgoff != b->pgoff || a->dev_major != b->dev_major ||
	    a->dev_minor != b->dev_minor || a->ino != b->ino || a->kind != b->kind ||
	    a->deleted != b->deleted)
		return false;
	if (!a->path || !b->path)
		return a->path == b->path;
	return !strcmp(a->path, b->path);
}

/* Takes the flags of @pre into @cur when both list the same VMAs. */
static bool take_flags(const struct proc_vma_list *pre, struct proc_vma_list *cur)
{
	if (pre->n != cur->n)
		return false;
	for (size_t i = 0; i < cur->n; i++)
		if (!same_vma(&pre->v[i], &cur->v[i]))
			return false;
	for (size_t i = 0; i < cur->n; i++) {
		cur->v[i].vmflags = pre->v[i].vmflags;
		cur->v[i].shared_clean_kb = pre->v[i].shared_clean_kb;
		cur->v[i].shared_dirty_kb = pre->v[i].shared_dirty_kb;
	}
	return true;
}

int dump_mm_read_vmas(struct dump_ctx *ctx, pid_t pid, struct proc_vma_list *out)
{
	const struct dump_mm_pre *p = ctx->mm_pre;
	int ret;

	for (size_t i = 0; p && i < p->n; i++) {
		if (p->pids[i] != pid)
			continue;
		ret = proc_read_maps(pid, false, out);
		if (ret)
			return ret;
		if (take_flags(&p->lists[i], out))
			return 0;
		pr_debug("dump: VMAs of %d changed since the early read; smaps again\n", pid);
		proc_vma_list_free(out);
		break;
	}
	return proc_read_maps(pid, true, out);
}
