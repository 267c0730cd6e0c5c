/*
 * Restore: free address ranges. The scratch area (restore-mm.c) and the
 * staged areas (restore-stage.c) both need room that neither the tool's
 * current layout nor the recorded one uses; this is the one search, below
 * both of them.
 */
#include <errno.h>
#include <stdlib.h>

#include "proc-maps.h"
#include "restore.h"

#define RST_GAP_BASE (1ul << 32)
#define RST_GAP_TOP (0x7f0000000000ul)

static int rst_range_cmp(const void *a, const void *b)
{
	const struct rst_range *x = a, *y = b;

	return x->s < y->s ? -1 : x->s > y->s;
}

/* First gap of @len free of both layouts (and of @extra ranges). */
int rst_find_gap(const struct proc_vma_list *cur, const MmEntry *mm, const struct rst_range *extra,
		 size_t nr_extra, unsigned long len, unsigned long *addr)
{
	size_t n = cur->n + (mm ? mm->n_vmas : 0) + nr_extra, k = 0;
	struct rst_range *r = malloc((n + 1) * sizeof(*r));
	unsigned long a = RST_GAP_BASE;

	if (!r)
		return -ENOMEM;
	for (size_t i = 0; i < cur->n; i++)
		r[k++] = (struct rst_range){cur->v[i].start, cur->v[i].end};
	for (size_t i = 0; mm && i < mm->n_vmas; i++)
		r[k++] = (struct rst_range){mm->vmas[i]->start, mm->vmas[i]->end};
	for (size_t i = 0; i < nr_extra; i++)
		r[k++] = extra[i];
	qsort(r, k, sizeof(*r), rst_range_cmp);
	for (size_t i = 0; i < k; i++) {
		if (r[i].e <= a)
			continue;
		if (r[i].s >= a + len)
			break;
		a = r[i].e;
	}
	free(r);
	if (a + len > RST_GAP_TOP)
		return -ENOMEM;
	*addr = a;
	return 0;
}
