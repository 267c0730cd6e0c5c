/*
 * Guard regions (madvise MADV_GUARD_INSTALL, Linux 6.13+): pages of a VMA
 * that fault on any access, without a VMA of their own. They are found with
 * PAGEMAP_SCAN's PAGE_IS_GUARD category (6.15+) and recorded as CRIU does:
 * one extra vma_entry per guarded range, status VMA_AREA_GUARD only, right
 * after the VMA that holds it. The pages themselves are never read (a read
 * fails with EIO).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "array.h"
#include "dump.h"
#include "log.h"
#include "mm.pb-c.h"
#include "pagemap-scan.h"
#include "pagemap.h"

#define VMA_AREA_GUARD (1u << 16)

struct guard_walk {
	VmaEntry *g;
	size_t n;
};

static int guard_region(const struct page_region *r, void *arg)
{
	struct guard_walk *w = arg;
	VmaEntry *e;

	/* The kernel merges adjacent regions of the same categories within one call only. */
	if (w->n && w->g[w->n - 1].end == r->start) {
		w->g[w->n - 1].end = r->end;
		return 0;
	}
	if (ARRAY_GROW(w->g, w->n))
		return -ENOMEM;
	e = &w->g[w->n++];
	vma_entry__init(e);
	e->start = r->start;
	e->end = r->end;
	e->fd = -1;
	e->status = VMA_AREA_GUARD;
	return 0;
}

static bool guard_possible(const struct proc_vma *v)
{
	return v->kind == PROC_VMA_ANON || v->kind == PROC_VMA_HEAP || v->kind == PROC_VMA_STACK ||
	       v->kind == PROC_VMA_FILE || v->kind == PROC_VMA_SHMEM_ANON;
}

int dump_mm_guards(pid_t pid, const struct proc_vma_list *l, struct VmaEntry **out, size_t *nr)
{
	struct pagemap_scan_query q = {.anyof = PAGE_IS_GUARD, .ret = PAGE_IS_GUARD};
	struct guard_walk w = {0};
	int fd, ret = 0;

	*out = NULL;
	*nr = 0;
	fd = pagemap_open(pid);
	if (fd < 0)
		return fd;
	for (size_t i = 0; i < l->n && !ret; i++) {
		if (!guard_possible(&l->v[i]))
			continue;
		ret = pagemap_scan_walk(fd, l->v[i].start, l->v[i].end, &q, guard_region, &w);
	}
	close(fd);
	/*
	 * No PAGEMAP_SCAN (before 6.7, or filtered by seccomp: ENOSYS) or no
	 * PAGE_IS_GUARD (before 6.15): no guard is known.
	 */
	if (ret == -EINVAL || ret == -ENOTTY || ret == -EOPNOTSUPP || ret == -ENOSYS) {
		pr_debug("dump: pid %d: guard regions cannot be listed here (%s)", pid,
			 strerror(-ret));
		free(w.g);
		return 0;
	}
	if (ret) {
		pr_err("dump: guard regions of pid %d: %s", pid, strerror(-ret));
		free(w.g);
		return ret;
	}
	*out = w.g;
	*nr = w.n;
	return 0;
}
