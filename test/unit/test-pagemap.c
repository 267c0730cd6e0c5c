/*
 * kernel-iface/pagemap.c against our own address space: present bits follow
 * touches and MADV_DONTNEED, runs are found exactly, also across the 64K-entry
 * read chunks. Soft-dirty (bit 55) is not checked: this kernel has no
 * CONFIG_MEM_SOFT_DIRTY.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pagemap.h"
#include "tap.h"

#define MAX_RUNS 16

struct runs {
	unsigned long start[MAX_RUNS], end[MAX_RUNS];
	int n;
	int stop_after; /* return 1 from the callback after this many runs, 0: never */
};

static int collect(unsigned long start, unsigned long end, void *arg)
{
	struct runs *r = arg;

	if (r->n == MAX_RUNS)
		return -E2BIG;
	r->start[r->n] = start;
	r->end[r->n] = end;
	r->n++;
	return r->stop_after && r->n == r->stop_after ? 1 : 0;
}

/* Runs given as page-index pairs relative to @base. */
static int runs_equal(const struct runs *r, unsigned long base, unsigned long psz,
		      const unsigned long *pairs, int n)
{
	int i;

	if (r->n != n)
		return 0;
	for (i = 0; i < n; i++)
		if (r->start[i] != base + pairs[2 * i] * psz ||
		    r->end[i] != base + pairs[2 * i + 1] * psz)
			return 0;
	return 1;
}

static void test_small(int fd, unsigned long psz)
{
	static const unsigned long runs1[] = {2, 5, 9, 10, 15, 16};
	static const unsigned long runs2[] = {2, 3, 4, 5, 9, 10, 15, 16};
	const unsigned long npages = 16;
	uint64_t pm[16];
	struct runs r = {0};
	char *m;
	unsigned long base, i;
	int present = 0;

	m = mmap(NULL, npages * psz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED) {
		ok(0, "mmap 16 pages");
		return;
	}
	base = (unsigned long)m;
	ok(pagemap_read(fd, base, npages, pm) == 0, "read 16 entries of a fresh mapping");
	for (i = 0; i < npages; i++)
		present += !!(pm[i] & PME_PRESENT);
	ok(present == 0, "nothing present before the first touch (%d present)", present);

	m[2 * psz] = m[3 * psz] = m[4 * psz] = m[9 * psz] = 1;
	m[15 * psz + psz - 1] = 1;
	ok(pagemap_read(fd, base, npages, pm) == 0, "read again after touching 2-4, 9, 15");
	ok((pm[2] & pm[3] & pm[4] & pm[9] & pm[15] & PME_PRESENT) &&
		   !((pm[0] | pm[1] | pm[5] | pm[8] | pm[10] | pm[14]) & PME_PRESENT),
	   "present exactly on touched pages");
	ok(!(pm[2] & (PME_SWAP | PME_FILE)), "private anon page: neither swap nor file");

	ok(pagemap_for_each_run(fd, base, base + npages * psz, PME_PRESENT, collect, &r) == 0 &&
		   runs_equal(&r, base, psz, runs1, 3),
	   "for_each_run: [2,5) [9,10) [15,16) (got %d runs)", r.n);

	ok(madvise(m + 3 * psz, psz, MADV_DONTNEED) == 0, "MADV_DONTNEED page 3");
	ok(pagemap_read(fd, base + 3 * psz, 1, pm) == 0 && !(pm[0] & PME_PRESENT),
	   "page 3 no longer present");
	memset(&r, 0, sizeof(r));
	ok(pagemap_for_each_run(fd, base, base + npages * psz, PME_PRESENT, collect, &r) == 0 &&
		   runs_equal(&r, base, psz, runs2, 4),
	   "for_each_run: the run split around page 3 (got %d runs)", r.n);

	memset(&r, 0, sizeof(r));
	r.stop_after = 2;
	ok(pagemap_for_each_run(fd, base, base + npages * psz, PME_PRESENT, collect, &r) == 1 &&
		   r.n == 2,
	   "a non-zero callback return stops the walk and is returned");
	memset(&r, 0, sizeof(r));
	ok(pagemap_for_each_run(fd, base + 3 * psz, base + 9 * psz, PME_PRESENT, collect, &r) ==
			   0 &&
		   runs_equal(&r, base, psz, (const unsigned long[]){4, 5}, 1),
	   "sub-range walk [3,9) finds only [4,5)");
	memset(&r, 0, sizeof(r));
	ok(pagemap_for_each_run(fd, base, base + npages * psz, PME_SWAP, collect, &r) == 0 &&
		   r.n == 0,
	   "no swapped runs");
	ok(pagemap_read(fd, base + 1, 1, pm) == -EINVAL, "unaligned address: -EINVAL");
	munmap(m, npages * psz);
}

static void test_shared(int fd, unsigned long psz)
{
	uint64_t pm[2];
	char *m;

	m = mmap(NULL, 2 * psz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED) {
		ok(0, "mmap shared anon");
		return;
	}
	m[psz] = 1;
	ok(pagemap_read(fd, (unsigned long)m, 2, pm) == 0 && !(pm[0] & PME_PRESENT) &&
		   (pm[1] & PME_PRESENT) && (pm[1] & PME_FILE),
	   "shared anon: touched page present with the file/shared bit");
	munmap(m, 2 * psz);
}

/* A run crossing the 64K-entry chunk boundary must come out as one run. */
static void test_chunk_boundary(int fd, unsigned long psz)
{
	const unsigned long chunk = 64 * 1024, npages = chunk + 8;
	struct runs r = {0};
	unsigned long base, i;
	char *m;

	m = mmap(NULL, npages * psz, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m == MAP_FAILED) {
		skip("cannot map %lu pages", npages);
		return;
	}
	/* No huge pages, so the runs are exactly the pages touched. */
	madvise(m, npages * psz, MADV_NOHUGEPAGE);
	base = (unsigned long)m;
	for (i = chunk - 2; i < chunk + 2; i++)
		m[i * psz] = 1;
	m[0] = 1;
	ok(pagemap_for_each_run(fd, base, base + npages * psz, PME_PRESENT, collect, &r) == 0 &&
		   runs_equal(&r, base, psz, (const unsigned long[]){0, 1, chunk - 2, chunk + 2},
			      2),
	   "run across the chunk boundary is one run (got %d runs)", r.n);
	memset(&r, 0, sizeof(r));
	m[(npages - 1) * psz] = 1;
	ok(pagemap_for_each_run(fd, base + psz, base + npages * psz, PME_PRESENT, collect, &r) ==
			   0 &&
		   r.n == 2 && r.end[1] == base + npages * psz,
	   "run ending at the range end is reported");
	munmap(m, npages * psz);
}

int main(void)
{
	unsigned long psz = sysconf(_SC_PAGESIZE);
	int fd;

	fd = pagemap_open(getpid());
	ok(fd >= 0, "pagemap_open(self)");
	if (fd < 0)
		return tap_done();
	ok(pagemap_open(-5) < 0, "pagemap_open of a bad pid fails with -errno");
	test_small(fd, psz);
	test_shared(fd, psz);
	test_chunk_boundary(fd, psz);
	close(fd);
	return tap_done();
}
