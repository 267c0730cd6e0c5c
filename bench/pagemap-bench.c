/*
 * How long does finding the dirty pages of an area take: PAGEMAP_SCAN versus
 * reading /proc/self/pagemap? The area is populated (MADV_POPULATE_WRITE),
 * write-protected with async userfaultfd (as the uffd-wp tracker does), and
 * PCT% of its pages, evenly spread, are written. Then, median of RUNS:
 *
 *   scan       PAGEMAP_SCAN, category WRITTEN among present/swapped pages
 *   scan+wp    the same with PM_SCAN_WP_MATCHING (what a dump does: finds
 *              and re-protects; the pages are re-dirtied between runs)
 *   pagemap    pread of the area's /proc/self/pagemap entries in 512 KiB
 *              chunks, a page is dirty when present and uffd-wp bit 57 clear
 *
 *   pagemap-bench [-f] [-p PCT] [-r RUNS] [SIZE_MIB...]
 *   default sizes 256 1024; -f: 256 1024 2048 4096 (needs ~4 GiB free)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "pagemap-scan.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
#ifndef UFFD_FEATURE_WP_UNPOPULATED
#define UFFD_FEATURE_WP_UNPOPULATED (1 << 13)
#endif
#ifndef UFFD_FEATURE_WP_ASYNC
#define UFFD_FEATURE_WP_ASYNC (1 << 15)
#endif
#define PM_PRESENT (1ULL << 63)
#define PM_UFFD_WP (1ULL << 57)
#define MAX_RUNS 31

static unsigned long psz;
static int pm_fd;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_d);
	return v[n / 2];
}

/* PAGEMAP_SCAN over [mem, mem+size): pages found (written, holding data). */
static long scan(char *mem, size_t size, uint64_t flags, long *regions)
{
	static struct page_region vec[4096];
	struct pm_scan_arg a = {
		.size = sizeof(a),
		.flags = flags,
		.start = (uintptr_t)mem,
		.end = (uintptr_t)mem + size,
		.vec = (uintptr_t)vec,
		.vec_len = 4096,
		.category_mask = PAGE_IS_WRITTEN,
		.category_anyof_mask = PAGE_IS_PRESENT | PAGE_IS_SWAPPED,
		.return_mask = PAGE_IS_WRITTEN,
	};
	uint64_t last = 0;
	long pages = 0;

	*regions = 0;
	for (;;) {
		int n = ioctl(pm_fd, PAGEMAP_SCAN, &a);

		if (n < 0)
			return -errno;
		/*
		 * 6.18 can return a walk_end below the end of the regions it
		 * filled (seen on scans without PM_SCAN_WP_MATCHING): the next
		 * call reports them again. Count each page once.
		 */
		for (int i = 0; i < n; i++) {
			uint64_t s = vec[i].start > last ? vec[i].start : last;

			if (vec[i].end > s) {
				pages += (vec[i].end - s) / psz;
				(*regions)++;
				last = vec[i].end;
			}
		}
		if (a.walk_end >= a.end)
			return pages;
		a.start = a.walk_end;
	}
}

/* Reads the pagemap entries of the area: pages present and not write-protected. */
static long read_pagemap(char *mem, size_t size)
{
	static uint64_t buf[65536];
	size_t n = size / psz, off = (uintptr_t)mem / psz;
	long pages = 0;

	for (size_t i = 0; i < n;) {
		size_t want = n - i < 65536 ? n - i : 65536;
		ssize_t r = pread(pm_fd, buf, want * 8, (off + i) * 8);

		if (r <= 0)
			return -1;
		for (size_t j = 0; j < (size_t)r / 8; j++)
			if ((buf[j] & PM_PRESENT) && !(buf[j] & PM_UFFD_WP))
				pages++;
		i += r / 8;
	}
	return pages;
}

static void dirty(char *mem, size_t size, unsigned long step, unsigned long round)
{
	for (size_t i = 0; i < size / psz; i += step)
		mem[i * psz + 8] = (char)round;
}

static int bench(size_t mib, double pct, int runs)
{
	size_t size = mib << 20;
	unsigned long step = (unsigned long)(100.0 / pct + 0.5);
	double t_scan[MAX_RUNS], t_wp[MAX_RUNS], t_pm[MAX_RUNS], t0, t_pop, t_prot;
	long found_scan = 0, found_wp = 0, found_pm = 0, regions = 0;
	struct uffdio_api api = {.api = UFFD_API,
				 .features = UFFD_FEATURE_WP_ASYNC | UFFD_FEATURE_WP_UNPOPULATED};
	struct uffdio_register reg = {.mode = UFFDIO_REGISTER_MODE_WP};
	char *mem;
	int uffd;

	mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		   -1, 0);
	if (mem == MAP_FAILED)
		return -errno;
	madvise(mem, size, MADV_NOHUGEPAGE);
	t0 = now_ms();
	if (madvise(mem, size, MADV_POPULATE_WRITE))
		memset(mem, 1, size);
	t_pop = now_ms() - t0;

	uffd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (uffd < 0 || ioctl(uffd, UFFDIO_API, &api)) {
		perror("userfaultfd async wp");
		return -1;
	}
	reg.range.start = (uintptr_t)mem;
	reg.range.len = size;
	if (ioctl(uffd, UFFDIO_REGISTER, &reg)) {
		perror("UFFDIO_REGISTER");
		return -1;
	}
	t0 = now_ms();
	scan(mem, size, PM_SCAN_WP_MATCHING, &regions); /* everything: first protection */
	t_prot = now_ms() - t0;

	for (int r = 0; r < runs; r++) {
		dirty(mem, size, step, r + 1);
		t0 = now_ms();
		found_scan = scan(mem, size, 0, &regions);
		t_scan[r] = now_ms() - t0;
		t0 = now_ms();
		found_pm = read_pagemap(mem, size);
		t_pm[r] = now_ms() - t0;
		t0 = now_ms();
		found_wp = scan(mem, size, PM_SCAN_WP_MATCHING | PM_SCAN_CHECK_WPASYNC, &regions);
		t_wp[r] = now_ms() - t0;
	}
	printf("%6zu MiB %5.1f%% %8ld %8ld %10.2f %10.2f %10.2f %10.1f %8.1f %7.1f\n", mib, pct,
	       found_scan, regions, median(t_scan, runs), median(t_wp, runs), median(t_pm, runs),
	       median(t_pm, runs) / median(t_scan, runs), t_prot, t_pop);
	if (found_scan != found_wp || found_scan != found_pm)
		fprintf(stderr, "  mismatch: scan %ld, scan+wp %ld, pagemap %ld\n", found_scan,
			found_wp, found_pm);
	close(uffd);
	munmap(mem, size);
	return 0;
}

int main(int argc, char **argv)
{
	static const size_t def[] = {256, 1024}, full[] = {256, 1024, 2048, 4096};
	const size_t *sizes = def;
	size_t nsizes = 2, own[16];
	double pct = 1.0;
	int runs = 5, c;
	double load[3] = {0};
	FILE *f;

	while ((c = getopt(argc, argv, "fp:r:")) != -1) {
		switch (c) {
		case 'f':
			sizes = full;
			nsizes = 4;
			break;
		case 'p':
			pct = strtod(optarg, NULL);
			break;
		case 'r':
			runs = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: %s [-f] [-p PCT] [-r RUNS] [SIZE_MIB...]\n",
				argv[0]);
			return 1;
		}
	}
	if (runs < 1 || runs > MAX_RUNS || pct <= 0 || pct > 100) {
		fprintf(stderr, "runs 1-%d, pct (0, 100]\n", MAX_RUNS);
		return 1;
	}
	if (optind < argc) {
		nsizes = 0;
		for (; optind < argc && nsizes < 16; optind++)
			own[nsizes++] = strtoul(argv[optind], NULL, 0);
		sizes = own;
	}
	psz = sysconf(_SC_PAGESIZE);
	pm_fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (pm_fd < 0) {
		perror("/proc/self/pagemap");
		return 1;
	}
	f = fopen("/proc/loadavg", "r");
	if (f) {
		if (fscanf(f, "%lf %lf %lf", &load[0], &load[1], &load[2]) != 3)
			load[0] = -1;
		fclose(f);
	}
	printf("pagemap-bench: %ld CPUs, load %.2f %.2f %.2f, median of %d, ms\n",
	       sysconf(_SC_NPROCESSORS_ONLN), load[0], load[1], load[2], runs);
	printf("%10s %6s %8s %8s %10s %10s %10s %10s %8s %7s\n", "size", "dirty", "pages",
	       "regions", "scan", "scan+wp", "pagemap", "pm/scan", "1st-wp", "popul.");
	for (size_t i = 0; i < nsizes; i++)
		if (bench(sizes[i], pct, runs)) {
			fprintf(stderr, "%zu MiB: failed\n", sizes[i]);
			return 1;
		}
	return 0;
}
