/*
 * A set of page digests: page address -> 64-bit digest, for pages that hold
 * data only (a process may reserve terabytes of address space it never
 * touches, so nothing here is sized by VMAs). Open addressing, linear probing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tracker.h"

struct dg_slot {
	uint64_t key; /* page address | 1; 0: empty */
	uint64_t val;
};

struct tracker_digests {
	struct dg_slot *s;
	size_t cap, n; /* cap: a power of two */
};

struct tracker_digests *tracker_digests_new(void)
{
	return calloc(1, sizeof(struct tracker_digests));
}

void tracker_digests_free(struct tracker_digests *dg)
{
	if (dg)
		free(dg->s);
	free(dg);
}

static size_t dg_hash(uint64_t key, size_t cap)
{
	return (size_t)((key >> 12) * 0x9e3779b97f4a7c15ULL >> 17) & (cap - 1);
}

static struct dg_slot *dg_find(const struct tracker_digests *dg, uint64_t key)
{
	size_t i = dg_hash(key, dg->cap);

	while (dg->s[i].key && dg->s[i].key != key)
		i = (i + 1) & (dg->cap - 1);
	return &dg->s[i];
}

static int dg_grow(struct tracker_digests *dg)
{
	struct tracker_digests n = {.cap = dg->cap ? dg->cap * 2 : 1024};

	n.s = calloc(n.cap, sizeof(*n.s));
	if (!n.s)
		return -ENOMEM;
	for (size_t i = 0; i < dg->cap; i++)
		if (dg->s[i].key)
			*dg_find(&n, dg->s[i].key) = dg->s[i];
	free(dg->s);
	dg->s = n.s;
	dg->cap = n.cap;
	return 0;
}

int tracker_digests_set(struct tracker_digests *dg, unsigned long addr, uint64_t d)
{
	uint64_t key = (uint64_t)addr | 1;
	struct dg_slot *s;

	if (2 * (dg->n + 1) > dg->cap && dg_grow(dg))
		return -ENOMEM;
	s = dg_find(dg, key);
	if (!s->key) {
		s->key = key;
		dg->n++;
	}
	s->val = d;
	return 0;
}

uint64_t tracker_digests_get(const struct tracker_digests *dg, unsigned long addr)
{
	if (!dg || !dg->n)
		return 0;
	return dg_find(dg, (uint64_t)addr | 1)->val;
}

size_t tracker_digests_count(const struct tracker_digests *dg)
{
	return dg ? dg->n : 0;
}

static int slot_cmp(const void *a, const void *b)
{
	const struct dg_slot *x = a, *y = b;

	return x->key < y->key ? -1 : x->key > y->key;
}

int tracker_digests_for_each_run(const struct tracker_digests *dg, unsigned long psz, size_t max,
				 int (*cb)(unsigned long start, const uint64_t *d, size_t nr,
					   void *arg),
				 void *arg)
{
	struct dg_slot *v;
	uint64_t *run;
	size_t n = 0, i, nr = 0;
	int ret = 0;

	if (!dg || !dg->n)
		return 0;
	v = malloc(dg->n * sizeof(*v));
	run = malloc((max < dg->n ? max : dg->n) * sizeof(*run));
	if (!v || !run) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < dg->cap; i++)
		if (dg->s[i].key)
			v[n++] = dg->s[i];
	qsort(v, n, sizeof(*v), slot_cmp);
	for (i = 0; i < n && !ret; i++) {
		run[nr++] = v[i].val;
		/* a run ends at a gap, at @max pages, or at the end */
		if (i + 1 == n || v[i + 1].key != v[i].key + psz || nr == max) {
			ret = cb((v[i].key & ~1ULL) - (nr - 1) * psz, run, nr, arg);
			nr = 0;
		}
	}
out:
	free(v);
	free(run);
	return ret;
}
