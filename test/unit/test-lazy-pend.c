/*
 * restore --lazy-pages: the pending pages of one address space
 * (restore-lazy-pend.c). Dropping a range out of runs (copied pages,
 * munmap, madvise DONTNEED) keeps what lies around it with its file offset;
 * an mremap moves the pending part of a range with its offsets and clears the
 * destination; a copy for a forked child is independent of the parent's.
 */
#include <string.h>

#include "restore-lazy.h"
#include "tap.h"

#define K 4096ul

static struct lz_pend mk(void)
{
	struct lz_pend p = {0};

	rst_segs_add(&p, 0x10000, 16 * K, 3, 0, 0);	  /* 0x10000-0x20000 at 0 */
	rst_segs_add(&p, 0x40000, 4 * K, 3, 0x100000, 0); /* 0x40000-0x44000 at 1M */
	return p;
}

static int has(const struct lz_pend *p, size_t i, unsigned long va, unsigned long len, uint64_t off)
{
	return i < p->n && p->s[i].vaddr == va && p->s[i].len == len && p->s[i].off == off;
}

int main(void)
{
	struct lz_pend p = mk(), c;

	ok(!lz_pend_drop(&p, 0x12000, 0x13000) && p.n == 3 && has(&p, 0, 0x10000, 2 * K, 0) &&
		   has(&p, 1, 0x13000, 13 * K, 3 * K),
	   "a page dropped in the middle of a run splits it, offsets kept");
	ok(!lz_pend_drop(&p, 0x0, 0x11000) && has(&p, 0, 0x11000, K, K),
	   "a drop over the head keeps the tail at its offset");
	ok(!lz_pend_drop(&p, 0x1f000, 0x41000) && p.n == 3 && has(&p, 1, 0x13000, 12 * K, 3 * K) &&
		   has(&p, 2, 0x41000, 3 * K, 0x101000),
	   "a drop across runs trims both and the gap");
	ok(rst_segs_lower(&p, 0x14000) == 1 && rst_segs_lower(&p, 0x50000) == p.n,
	   "lower bound finds the run holding an address, or the end");
	lz_pend_free(&p);

	p = mk();
	ok(!lz_pend_move(&p, 0x18000, 0x80000, 0x2a000) && p.n == 4 &&
		   has(&p, 0, 0x10000, 8 * K, 0) && has(&p, 1, 0x42000, 2 * K, 0x102000) &&
		   has(&p, 2, 0x80000, 8 * K, 8 * K) && has(&p, 3, 0xa8000, 2 * K, 0x100000),
	   "an mremap moves the pending pages of the range with their offsets, in order");
	ok(!lz_pend_move(&p, 0x80000, 0x10000, 2 * K) && p.n == 5 &&
		   has(&p, 0, 0x10000, 2 * K, 8 * K) && has(&p, 1, 0x12000, 6 * K, 2 * K) &&
		   has(&p, 3, 0x82000, 6 * K, 10 * K),
	   "a move onto pending pages replaces them (the destination was unmapped first)");
	ok(!lz_pend_copy(&c, &p) && c.n == p.n && !lz_pend_drop(&c, 0, ~0ul) && c.n == 0 &&
		   p.n == 5,
	   "a forked child's copy is its own");
	lz_pend_free(&c);
	lz_pend_free(&p);
	ok(p.n == 0 && !lz_pend_drop(&p, 0, ~0ul), "an empty set drops nothing");
	return tap_done();
}
