/*
 * Tracker building blocks: range lists, the VMA diff, page digests (every
 * single-bit change is seen; speed printed, not asserted), selection and the verdict cache.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "pagemap-scan.h"
#include "tracker.h"
#include "tap.h"

static void test_ranges(void)
{
	struct tracker_ranges r = {0};

	tracker_ranges_add(&r, 0x5000, 0x6000);
	tracker_ranges_add(&r, 0x6000, 0x8000); /* touches: merged */
	tracker_ranges_add(&r, 0x1000, 0x2000);
	tracker_ranges_add(&r, 0x1800, 0x3000);
	ok(r.n == 2, "touching ranges merge with the last one on add (%zu)", r.n);
	tracker_ranges_normalize(&r);
	ok(r.n == 2 && r.v[0].start == 0x1000 && r.v[0].end == 0x3000 && r.v[1].end == 0x8000,
	   "normalize sorts and merges overlaps");
	ok(tracker_ranges_hit(&r, 0x2000, 0x2001) && tracker_ranges_hit(&r, 0x7fff, 0x9000) &&
		   !tracker_ranges_hit(&r, 0x3000, 0x5000) &&
		   !tracker_ranges_hit(&r, 0x8000, 0x9000) && !tracker_ranges_hit(&r, 0, 0x1000),
	   "hit tests respect half-open bounds");
	tracker_ranges_fini(&r);
}

#define ANON(s, e, p)                                                                              \
	{                                                                                          \
		s, e, 0, 0, 0, p, 0                                                                \
	}
#define FILEV(s, e, off, ino, p)                                                                   \
	{                                                                                          \
		s, e, off, ino, 0x801, p, TRACKER_VMA_FILE                                         \
	}

static bool has(const struct tracker_ranges *r, unsigned long s, unsigned long e)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i].start == s && r->v[i].end == e)
			return true;
	return false;
}

static void test_vma_diff(void)
{
	struct tracker_vma pv[] = {
		ANON(0x10000, 0x15000, 3), FILEV(0x20000, 0x22000, 0, 7, 1),
		ANON(0x30000, 0x31000, 3), FILEV(0x40000, 0x42000, 0x5000, 9, 1),
		ANON(0x50000, 0x51000, 3), /* removed */
		ANON(0x60000, 0x62000, 3), FILEV(0x70000, 0x71000, 0, 4, 1),
	};
	struct tracker_vma cv[] = {
		ANON(0x10000, 0x17000, 3),	  /* grown */
		FILEV(0x20000, 0x21000, 0, 7, 1), /* split, offsets line up */
		FILEV(0x21000, 0x22000, 0x1000, 7, 1),
		ANON(0x30000, 0x31000, 1),			    /* protection changed */
		FILEV(0x40000, 0x42000, 0x6000, 9, 1),		    /* same place, other offset */
		ANON(0x58000, 0x59000, 3),			    /* new */
		{0x60000, 0x62000, 0, 0, 0, 3, TRACKER_VMA_SHARED}, /* now shared */
		FILEV(0x70000, 0x71000, 0, 5, 1),		    /* another file */
	};
	struct tracker_vmas prev = {pv, sizeof(pv) / sizeof(pv[0])};
	struct tracker_vmas cur = {cv, sizeof(cv) / sizeof(cv[0])};
	struct tracker_ranges ch = {0};

	ok(tracker_vma_diff(&prev, &cur, &ch) == 0, "diff runs");
	tracker_ranges_normalize(&ch);
	ok(has(&ch, 0x15000, 0x17000), "grown: only the new tail changed");
	ok(!tracker_ranges_hit(&ch, 0x10000, 0x15000), "grown: the old part is the same");
	ok(!tracker_ranges_hit(&ch, 0x20000, 0x22000), "split file mapping with matching offsets");
	ok(has(&ch, 0x30000, 0x31000), "protection change");
	ok(has(&ch, 0x40000, 0x42000), "remapped at the same place with another offset");
	ok(has(&ch, 0x58000, 0x59000), "new area");
	ok(has(&ch, 0x60000, 0x62000), "private became shared");
	ok(has(&ch, 0x70000, 0x71000), "another file at the same place");
	ok(ch.n == 6, "nothing else (%zu ranges)", ch.n);
	tracker_ranges_fini(&ch);
	ok(tracker_vma_diff(&prev, &prev, &ch) == 0 && ch.n == 0,
	   "a list against itself: no change");
	tracker_ranges_fini(&ch);
}

static void test_digest(void)
{
	long psz = sysconf(_SC_PAGESIZE);
	unsigned char *a = malloc(psz), *b = malloc(psz);
	uint64_t d0, seen[64];
	int bad = 0, i;

	for (i = 0; i < psz; i++)
		a[i] = (unsigned char)(i * 7 + 3);
	memcpy(b, a, psz);
	d0 = tracker_digest_page(a, psz, 42);
	ok(d0 == tracker_digest_page(b, psz, 42), "same content, same digest");
	ok(d0 != tracker_digest_page(a, psz, 43), "the seed changes the digest");
	for (i = 0; i < psz * 8; i += 13) { /* single bit flips all over */
		b[i / 8] ^= 1 << (i % 8);
		bad += tracker_digest_page(b, psz, 42) == d0;
		b[i / 8] ^= 1 << (i % 8);
	}
	ok(bad == 0, "every single-bit change is seen (%d missed)", bad);
	/* top bits of two words of the same lane: the classic cancelling pair */
	b[7] ^= 0x80;
	b[32 + 7] ^= 0x80;
	ok(tracker_digest_page(b, psz, 42) != d0, "two sign-bit flips in one lane do not cancel");
	memset(b, 0, psz);
	ok(tracker_digest_page(b, psz, 0) != 0, "a zero page does not digest to 0 (\"no data\")");
	for (i = 0; i < 64; i++) {
		memset(b, 0, psz);
		b[i * 8] = 1;
		seen[i] = tracker_digest_page(b, psz, 1);
	}
	bad = 0;
	for (i = 0; i < 64; i++)
		for (int j = 0; j < i; j++)
			bad += seen[i] == seen[j];
	ok(bad == 0, "a lone byte in 64 places gives 64 digests");
	free(a);
	free(b);
}

struct runs {
	unsigned long start[8];
	size_t nr[8];
	int n;
	bool values_ok;
};

static int run_cb(unsigned long start, const uint64_t *d, size_t nr, void *arg)
{
	struct runs *r = arg;

	if (r->n < 8) {
		r->start[r->n] = start;
		r->nr[r->n] = nr;
	}
	r->n++;
	for (size_t i = 0; i < nr; i++)
		if (d[i] != (start >> 12) + i + 1)
			r->values_ok = false;
	return 0;
}

static void test_digest_set(void)
{
	struct tracker_digests *dg = tracker_digests_new();
	struct runs r = {.values_ok = true};
	unsigned long base = 0x7f0000000000UL;
	int bad = 0;

	/* 100000 pages in [base, +100000), then 5 lone pages far away */
	for (unsigned long i = 0; i < 100000; i++)
		tracker_digests_set(dg, base + i * 4096, ((base + i * 4096) >> 12) + 1);
	for (unsigned long i = 0; i < 5; i++)
		tracker_digests_set(dg, (1UL << 40) + i * 3 * 4096,
				    (((1UL << 40) + i * 3 * 4096) >> 12) + 1);
	tracker_digests_set(dg, base, (base >> 12) + 1); /* overwrite: no new entry */
	ok(tracker_digests_count(dg) == 100005, "digest set counts pages (%zu)",
	   tracker_digests_count(dg));
	for (unsigned long i = 0; i < 100000; i += 7)
		bad += tracker_digests_get(dg, base + i * 4096) != ((base + i * 4096) >> 12) + 1;
	ok(bad == 0 && tracker_digests_get(dg, base - 4096) == 0 &&
		   tracker_digests_get(dg, base + 100000 * 4096UL) == 0,
	   "lookups hit and miss exactly");
	tracker_digests_for_each_run(dg, 4096, 65536, run_cb, &r);
	ok(r.n == 7 && r.start[0] == (1UL << 40) && r.nr[0] == 1 && r.start[5] == base &&
		   r.nr[5] == 65536 && r.nr[6] == 100000 - 65536 && r.values_ok,
	   "runs in address order, split at gaps and at the maximum (%d runs)", r.n);
	tracker_digests_free(dg);
	tracker_digests_free(NULL);
}

/* Prints the digest speed next to memcpy's (diagnostic only). */
static void test_digest_speed(void)
{
	size_t len = 64UL << 20, psz = sysconf(_SC_PAGESIZE), nr = len / psz;
	uint64_t *out = malloc(nr * sizeof(*out));
	struct timespec t0, t1;
	char *buf;
	double gbs = 0, mcp = 0, g;
	char *copy;

	buf = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE,
		   -1, 0);
	if (buf == MAP_FAILED || !out) {
		skip("no memory for the speed test");
		return;
	}
	memset(buf, 0x5a, len);
	for (int i = 0; i < 5; i++) { /* best of 5: the CI box is shared */
		clock_gettime(CLOCK_MONOTONIC, &t0);
		tracker_digest_pages(buf, nr, psz, 7, out);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		g = len / ((t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9) / 1e9;
		gbs = g > gbs ? g : gbs;
	}
	/* memcpy on the same machine right now: the reference when the box is busy */
	copy = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE,
		    -1, 0);
	for (int i = 0; i < 5 && copy != MAP_FAILED; i++) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		memcpy(copy, buf, len);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		g = len / ((t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9) / 1e9;
		mcp = g > mcp ? g : mcp;
	}
	if (copy != MAP_FAILED)
		munmap(copy, len);
	printf("# digest speed: %.1f GB/s over %zu MiB (best of 5); memcpy now: %.1f GB/s\n", gbs,
	       len >> 20, mcp);
	/* A number for the reader, not an assertion: timing belongs in bench/. */
	munmap(buf, len);
	free(out);
}

static void test_select_and_cache(void)
{
	const struct tracker_ops *ops;
	struct tracker_verdict v;
	char why[512], path[] = "/tmp/crl-trk-cache-XXXXXX";
	int fd = mkstemp(path);
	FILE *f;

	close(fd);
	unlink(path);
	setenv("CRL_TRACKER_CACHE", path, 1);
	ok(tracker_verdict(&tracker_digest, &v) == 0 && v.validated && !v.cached,
	   "first verdict comes from the self-test");
	ok(tracker_verdict(&tracker_digest, &v) == 0 && v.validated && v.cached,
	   "second from the cache");
	f = fopen(path, "r+");
	if (f) {
		fputs("key", f); /* first line unchanged... */
		fseek(f, 4, SEEK_SET);
		fputs("X", f); /* ...then the kernel release corrupted */
		fclose(f);
	}
	ok(tracker_verdict(&tracker_digest, &v) == 0 && !v.cached,
	   "a cache for another kernel/boot is ignored");

	ok(tracker_select("bogus", &ops, why, sizeof(why)) == -EINVAL && !ops,
	   "unknown tracker name: EINVAL (%s)", why);
	ok(tracker_select("digest", &ops, why, sizeof(why)) == 0 && ops == &tracker_digest,
	   "forcing a tracker that validates works");
	ok(tracker_select("none", &ops, why, sizeof(why)) == 0 && ops == &tracker_none, "none too");
	ok(tracker_select("auto", &ops, why, sizeof(why)) == 0 && ops, "auto picks %s",
	   ops ? ops->name : "nothing");
	if (pagemap_scan_probe(PAGE_IS_WRITTEN) == 0)
		ok(ops == &tracker_uffd_wp || ops == &tracker_soft_dirty,
		   "auto prefers a kernel tracker to digest here");
	if (tracker_verdict(&tracker_soft_dirty, &v) == 0 && !v.validated)
		ok(tracker_select("soft-dirty", &ops, why, sizeof(why)) == -EOPNOTSUPP && !ops &&
			   strstr(why, "refused"),
		   "forced soft-dirty refused: %s", why);
	tracker_cache_drop();
	ok(access(path, F_OK) != 0, "cache dropped");
}

/* The operations table's contract: what common code calls without asking must be there. */
static void test_ops_tables(void)
{
	int bad = 0;

	for (int i = 0; tracker_all[i]; i++) {
		const struct tracker_ops *o = tracker_all[i];

		if (!o->probe || !o->start || !o->attach || !o->dirty || !o->reset || !o->stop ||
		    !o->init != !o->fini)
			bad++, printf("# %s: a required op is missing\n", o->name);
		if (!(o->caps & TRACKER_CAP_NEEDS_DATA) != !o->note)
			bad++, printf("# %s: NEEDS_DATA and note disagree\n", o->name);
		if (!(o->caps & TRACKER_CAP_TARGET_FD) != !o->target_fd)
			bad++, printf("# %s: TARGET_FD and target_fd disagree\n", o->name);
		if (o->save_tail && !o->load)
			bad++, printf("# %s: writes records it never reads\n", o->name);
	}
	ok(bad == 0, "every tracker's ops table matches its capability flags");
}

/* Where a new tracker fd goes: the highest free number below the limit, at most 4095. */
static void test_fd_pick(void)
{
	const int std[] = {0, 1, 2}, top[] = {0, 1, 2, 1022, 1023}, full[] = {0, 1, 2};

	ok(tracker_fd_pick(std, 3, 1024) == 1023, "fd pick: 1023 under a limit of 1024");
	ok(tracker_fd_pick(top, 5, 1024) == 1021, "fd pick: below the program's own high fds");
	ok(tracker_fd_pick(std, 3, 1048576) == 4095, "fd pick: a huge limit is capped at 4095");
	ok(tracker_fd_pick(std, 3, 5) == 4, "fd pick: a tiny limit");
	ok(tracker_fd_pick(full, 3, 3) == -EMFILE, "fd pick: no free number: -EMFILE");
	ok(tracker_fd_pick(NULL, 0, 0) == -EMFILE, "fd pick: a limit of 0");
}

int main(void)
{
	log_init(LOG_ERROR, NULL);
	test_ranges();
	test_vma_diff();
	test_digest();
	test_digest_set();
	test_digest_speed();
	test_select_and_cache();
	test_ops_tables();
	test_fd_pick();
	return tap_done();
}
