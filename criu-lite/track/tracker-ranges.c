/*
 * Sets of address ranges: what a tracker reports, what the VMA diff finds.
 * The bottom of the tracker files: it calls none of them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "tracker.h"

int tracker_ranges_add(struct tracker_ranges *r, unsigned long start, unsigned long end)
{
	struct tracker_range *last = r->n ? &r->v[r->n - 1] : NULL;

	if (start >= end)
		return 0;
	if (last && start <= last->end && end >= last->start) {
		if (start < last->start)
			last->start = start;
		if (end > last->end)
			last->end = end;
		return 0;
	}
	if (ARRAY_GROW(r->v, r->n))
		return -ENOMEM;
	r->v[r->n].start = start;
	r->v[r->n].end = end;
	r->n++;
	return 0;
}

static int range_cmp(const void *a, const void *b)
{
	const struct tracker_range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

void tracker_ranges_normalize(struct tracker_ranges *r)
{
	size_t i, o = 0;

	if (r->n < 2)
		return;
	qsort(r->v, r->n, sizeof(r->v[0]), range_cmp);
	for (i = 1; i < r->n; i++) {
		if (r->v[i].start <= r->v[o].end) {
			if (r->v[i].end > r->v[o].end)
				r->v[o].end = r->v[i].end;
		} else {
			r->v[++o] = r->v[i];
		}
	}
	r->n = o + 1;
}

bool tracker_ranges_hit(const struct tracker_ranges *r, unsigned long start, unsigned long end)
{
	size_t lo = 0, hi = r->n;

	/* first range whose end is above start */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (r->v[mid].end <= start)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < r->n && r->v[lo].start < end;
}

void tracker_ranges_fini(struct tracker_ranges *r)
{
	free(r->v);
	memset(r, 0, sizeof(*r));
}
