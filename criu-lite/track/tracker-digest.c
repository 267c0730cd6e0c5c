/*
 * The digest tracker: works on any kernel. Each dump stores a 64-bit digest
 * of every page it wrote (or carried over from its parent); the next dump
 * re-reads the pages while the process is frozen and reports those whose
 * digest differs, or that the images do not hold. It sees every change to
 * the content, whoever made it, at the cost of reading all memory.
 *
 * The digest is our own 4-lane multiply-rotate hash, seeded per chain (a
 * random seed kept in the tracker image makes chosen collisions impractical);
 * a random collision has probability 2^-64 per changed page.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <unistd.h>

#include "img.h"
#include "pagemap.h"
#include "pagemap-scan.h"
#include "tracker.h"

#define P1 0x9e3779b185ebca87ULL
#define P2 0xc2b2ae3d27d4eb4fULL
#define P3 0x165667b19e3779f9ULL
#define DG_BATCH 512	    /* pages read and hashed at a time */
#define DG_CHUNK (1u << 20) /* pages per page_digest_entry (8 MiB) */

/* Per process (t->priv). */
struct dg_state {
	int mem_fd; /* /proc/PID/mem, opened on first use */
	uint64_t seed;
	struct tracker_digests *prev; /* from the parent dump, NULL if none */
	struct tracker_digests *cur;  /* what the next dump compares with */
};

static inline uint64_t rotl(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

static inline uint64_t dg_word(const unsigned char *p)
{
	uint64_t w;

	memcpy(&w, p, sizeof(w));
	return w;
}

/*
 * Eight independent lanes, one multiply per 8-byte word: each step
 * (xor, rotate, multiply by an odd constant) is a bijection of the lane, so a
 * change confined to one word always changes its lane; the rotation before
 * the multiply spreads a high-bit difference over the word.
 */
#define DG_STEP(acc, w) ((acc) = rotl((acc) ^ (w), 29) * P1)

uint64_t tracker_digest_page(const void *page, size_t len, uint64_t seed)
{
	const unsigned char *p = page;
	uint64_t l[8], h = seed ^ (len * P3);
	size_t i = 0;
	int k;

	for (k = 0; k < 8; k++)
		l[k] = seed + P2 * (uint64_t)(k + 1);
	for (; i + 64 <= len; i += 64) {
		DG_STEP(l[0], dg_word(p + i));
		DG_STEP(l[1], dg_word(p + i + 8));
		DG_STEP(l[2], dg_word(p + i + 16));
		DG_STEP(l[3], dg_word(p + i + 24));
		DG_STEP(l[4], dg_word(p + i + 32));
		DG_STEP(l[5], dg_word(p + i + 40));
		DG_STEP(l[6], dg_word(p + i + 48));
		DG_STEP(l[7], dg_word(p + i + 56));
	}
	for (; i + 8 <= len; i += 8)
		DG_STEP(l[0], dg_word(p + i));
	for (k = 0; k < 8; k++) { /* merge: each lane fully mixed in */
		h ^= l[k] * P2;
		h = rotl(h, 27) * P1 + P3;
	}
	h ^= h >> 33;
	h *= P2;
	h ^= h >> 29;
	h *= P3;
	h ^= h >> 32;
	return h ? h : 1; /* 0 means "no data" */
}

void tracker_digest_pages(const void *buf, size_t nr, size_t page_size, uint64_t seed,
			  uint64_t *out)
{
	for (size_t i = 0; i < nr; i++)
		out[i] = tracker_digest_page((const char *)buf + i * page_size, page_size, seed);
}

/* ---- the tracker ---- */

static int dg_probe(char *why, size_t len)
{
	return 0;
}

static int dg_init(struct tracker_target *t)
{
	struct dg_state *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	s->mem_fd = -1;
	t->priv = s;
	return 0;
}

static void dg_fini(struct tracker_target *t)
{
	struct dg_state *s = t->priv;

	if (!s)
		return;
	if (s->mem_fd >= 0)
		close(s->mem_fd);
	tracker_digests_free(s->prev);
	tracker_digests_free(s->cur);
	free(s);
	t->priv = NULL;
}

/* The seed and the page_digest_entry records after the head. */
static int dg_load(struct tracker_target *t, const TrackerEntry *e, struct img *img)
{
	struct dg_state *s = t->priv;
	ProtobufCMessage *m;
	int ret;

	s->seed = e->has_digest_seed ? e->digest_seed : 0;
	tracker_digests_free(s->prev);
	s->prev = tracker_digests_new();
	if (!s->prev)
		return -ENOMEM;
	while ((ret = img_read_msg(img, &page_digest_entry__descriptor, &m)) == 1) {
		PageDigestEntry *pd = (PageDigestEntry *)m;

		ret = 0;
		for (size_t i = 0; i < pd->n_digest && !ret; i++)
			if (pd->digest[i])
				ret = tracker_digests_set(s->prev, pd->start + i * t->page_size,
							  pd->digest[i]);
		img_free_msg(m);
		if (ret)
			return ret;
	}
	return ret;
}

static void dg_save_head(const struct tracker_target *t, TrackerEntry *e)
{
	const struct dg_state *s = t->priv;

	e->has_digest_seed = s->seed != 0;
	e->digest_seed = s->seed;
}

static int dg_save_run(unsigned long start, const uint64_t *dg, size_t nr, void *arg)
{
	PageDigestEntry e = PAGE_DIGEST_ENTRY__INIT;

	e.start = start;
	e.n_digest = nr;
	e.digest = (uint64_t *)dg;
	return img_write_msg(arg, &e.base);
}

static int dg_save_tail(const struct tracker_target *t, struct img *img)
{
	const struct dg_state *s = t->priv;

	return tracker_digests_for_each_run(s->cur, t->page_size, DG_CHUNK, dg_save_run, img);
}

static int dg_start(struct tracker_target *t)
{
	struct dg_state *s = t->priv;

	while (!s->seed)
		if (getrandom(&s->seed, sizeof(s->seed), 0) != sizeof(s->seed))
			s->seed = (uint64_t)getpid() * P3 ^ (uint64_t)(uintptr_t)s;
	tracker_digests_free(s->cur);
	s->cur = tracker_digests_new();
	return s->cur ? 0 : -ENOMEM;
}

static int dg_attach(struct tracker_target *t)
{
	struct dg_state *s = t->priv;

	if (!s->prev || !s->seed)
		return -ESTALE;
	tracker_digests_free(s->cur);
	s->cur = tracker_digests_new();
	return s->cur ? 0 : -ENOMEM;
}

/* Remembers the digests of the pages the dump wrote: the images hold exactly these. */
static void dg_note(struct tracker_target *t, unsigned long addr, const void *data, size_t nr)
{
	struct dg_state *s = t->priv;

	for (size_t i = 0; i < nr && s->cur; i++)
		tracker_digests_set(s->cur, addr + i * t->page_size,
				    tracker_digest_page((const char *)data + i * t->page_size,
							t->page_size, s->seed));
}

/* As if saved and loaded: the current digests become the previous ones. */
static void dg_next_interval(struct tracker_target *t)
{
	struct dg_state *s = t->priv;

	tracker_digests_free(s->prev);
	s->prev = s->cur;
	s->cur = NULL;
}

/* Compares one run of pages holding data with the previous digests. */
static int dg_run(struct tracker_target *t, unsigned long start, size_t nr, uint8_t *buf,
		  struct tracker_ranges *out)
{
	struct dg_state *s = t->priv;
	uint64_t dg[DG_BATCH];
	ssize_t got;

	/* /proc/PID/mem reads PROT_NONE pages too (FOLL_FORCE), process_vm_readv does not */
	got = pread(s->mem_fd, buf, nr * t->page_size, (off_t)start);
	if (got < (ssize_t)(nr * t->page_size)) /* unreadable: report it all */
		return tracker_ranges_add(out, start, start + nr * t->page_size);
	tracker_digest_pages(buf, nr, t->page_size, s->seed, dg);
	for (size_t i = 0; i < nr; i++) {
		unsigned long a = start + i * t->page_size;
		uint64_t p = tracker_digests_get(s->prev, a);
		int ret;

		if (p && p == dg[i]) {
			/* the parent's images hold exactly this */
			ret = tracker_digests_set(s->cur, a, p);
		} else {
			ret = tracker_ranges_add(out, a, a + t->page_size);
		}
		if (ret)
			return ret;
	}
	return 0;
}

struct dg_walk {
	struct tracker_target *t;
	struct tracker_ranges *out;
	uint8_t *buf;
};

/* One region holding data (from PAGEMAP_SCAN), in batches. */
static int dg_region(const struct page_region *r, void *arg)
{
	struct dg_walk *w = arg;
	unsigned long a = r->start;
	int ret = 0;

	while (a < r->end && !ret) {
		size_t nr = (r->end - a) / w->t->page_size;

		if (nr > DG_BATCH)
			nr = DG_BATCH;
		ret = dg_run(w->t, a, nr, w->buf, w->out);
		a += nr * w->t->page_size;
	}
	return ret;
}

/* Without PAGEMAP_SCAN: pagemap entries, runs of pages holding data. */
static int dg_pagemap_walk(struct dg_walk *w, unsigned long start, unsigned long end)
{
	struct tracker_target *t = w->t;
	uint64_t pme[DG_BATCH];
	int ret = 0;

	while (start < end && !ret) {
		size_t nr = (end - start) / t->page_size, i = 0;

		if (nr > DG_BATCH)
			nr = DG_BATCH;
		ret = pagemap_read(t->pagemap_fd, start, nr, pme);
		while (!ret && i < nr) {
			size_t j = i;

			while (j < nr && (pme[j] & (PME_PRESENT | PME_SWAP)))
				j++;
			if (j > i)
				ret = dg_run(t, start + i * t->page_size, j - i, w->buf, w->out);
			i = j + 1;
		}
		start += nr * t->page_size;
	}
	return ret;
}

static int dg_dirty(struct tracker_target *t, unsigned long start, unsigned long end,
		    struct tracker_ranges *out)
{
	/* a sparse area (a reserved heap, a sanitizer's shadow) costs what it holds */
	const struct pagemap_scan_query q = {
		.anyof = PAGE_IS_PRESENT | PAGE_IS_SWAPPED,
		.ret = PAGE_IS_PRESENT | PAGE_IS_SWAPPED,
	};
	struct dg_state *s = t->priv;
	struct dg_walk w = {t, out, NULL};
	int ret;

	if (s->mem_fd < 0) {
		char path[64];

		snprintf(path, sizeof(path), "/proc/%d/mem", (int)t->pid);
		s->mem_fd = open(path, O_RDONLY | O_CLOEXEC);
		if (s->mem_fd < 0)
			return -errno;
	}
	w.buf = mmap(NULL, DG_BATCH * t->page_size, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (w.buf == MAP_FAILED)
		return -errno;
	ret = pagemap_scan_walk(t->pagemap_fd, start, end, &q, dg_region, &w);
	if (ret == -ENOTTY || ret == -ENOSYS || ret == -EINVAL)
		ret = dg_pagemap_walk(&w, start, end);
	munmap(w.buf, DG_BATCH * t->page_size);
	return ret;
}

static int dg_reset(struct tracker_target *t)
{
	return 0;
}

static void dg_stop(struct tracker_target *t, bool final, int *late)
{
}

const struct tracker_ops tracker_digest = {
	.name = "digest",
	.what = "64-bit digest per page, memory re-read at each dump (any kernel)",
	.caps = TRACKER_CAP_SEES_SHARED | TRACKER_CAP_ANY_KERNEL | TRACKER_CAP_NEEDS_DATA,
	.probe = dg_probe,
	.init = dg_init,
	.fini = dg_fini,
	.load = dg_load,
	.save_head = dg_save_head,
	.save_tail = dg_save_tail,
	.start = dg_start,
	.attach = dg_attach,
	.dirty = dg_dirty,
	.reset = dg_reset,
	.note = dg_note,
	.next_interval = dg_next_interval,
	.stop = dg_stop,
};
