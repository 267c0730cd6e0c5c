/*
 * What a page that was dropped with MADV_DONTNEED and then only read looks
 * like in pagemap: a fresh PTE of the shared zero page, which the kernel does
 * not mark soft-dirty. A soft-dirty tracker can only see such a change by
 * recognising the zero page's PFN; this probe reports how many distinct
 * zero-page PFNs read faults produce (s390 keeps several, one per cache
 * colour, chosen by the virtual address) and the soft-dirty bit after
 * clear_refs, MADV_DONTNEED and a read. Diagnostic output only; exit 0
 * unless the probe itself could not run.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define NPAGES 512
#define PM_PFN(e) ((e) & ((1ULL << 55) - 1))
#define PM_SOFT_DIRTY (1ULL << 55)
#define PM_PRESENT (1ULL << 63)

static long psz;

static int pm_read(int fd, const void *addr, uint64_t *e)
{
	off_t off = (uintptr_t)addr / psz * sizeof(*e);

	return pread(fd, e, sizeof(*e), off) == sizeof(*e) ? 0 : -1;
}

static int clear_soft_dirty(void)
{
	int fd = open("/proc/self/clear_refs", O_WRONLY);
	int ret = fd >= 0 && write(fd, "4", 1) == 1 ? 0 : -1;

	if (fd >= 0)
		close(fd);
	return ret;
}

static int count_zero_pfns(int fd, uint64_t *lo, uint64_t *hi)
{
	char *p = mmap(NULL, NPAGES * psz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		       0);
	uint64_t seen[NPAGES], e;
	int n = 0, i, j;

	if (p == MAP_FAILED)
		return -1;
	madvise(p, NPAGES * psz, MADV_NOHUGEPAGE);
	*lo = UINT64_MAX;
	*hi = 0;
	for (i = 0; i < NPAGES; i++) {
		(void)*(volatile char *)(p + i * psz);
		if (pm_read(fd, p + i * psz, &e) || !(e & PM_PRESENT))
			continue;
		for (j = 0; j < n && seen[j] != PM_PFN(e); j++)
			;
		if (j == n)
			seen[n++] = PM_PFN(e);
		*lo = PM_PFN(e) < *lo ? PM_PFN(e) : *lo;
		*hi = PM_PFN(e) > *hi ? PM_PFN(e) : *hi;
	}
	munmap(p, NPAGES * psz);
	return n;
}

int main(void)
{
	uint64_t lo, hi, e0, e1;
	int fd, n;
	char *p;

	psz = sysconf(_SC_PAGESIZE);
	fd = open("/proc/self/pagemap", O_RDONLY);
	if (fd < 0)
		return 1;
	n = count_zero_pfns(fd, &lo, &hi);
	if (n < 0)
		return 1;
	printf("zero page: %d distinct PFN(s) over %d read-faulted pages (PFN 0x%llx-0x%llx)\n", n,
	       NPAGES, (unsigned long long)lo, (unsigned long long)hi);

	p = mmap(NULL, 2 * psz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 1;
	madvise(p, 2 * psz, MADV_NOHUGEPAGE);
	p[0] = 1;
	p[psz] = 1;
	if (clear_soft_dirty() || pm_read(fd, p + psz, &e0))
		return 1;
	madvise(p + psz, psz, MADV_DONTNEED);
	(void)*(volatile char *)(p + psz);
	if (pm_read(fd, p + psz, &e1))
		return 1;
	printf("written page after clear_refs: soft-dirty=%d; after MADV_DONTNEED + read: "
	       "present=%d "
	       "soft-dirty=%d PFN 0x%llx (%s zero-page range)\n",
	       !!(e0 & PM_SOFT_DIRTY), !!(e1 & PM_PRESENT), !!(e1 & PM_SOFT_DIRTY),
	       (unsigned long long)PM_PFN(e1),
	       PM_PFN(e1) >= lo && PM_PFN(e1) <= hi ? "in the" : "outside the");
	return 0;
}
