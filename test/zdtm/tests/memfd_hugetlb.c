/*
 * A hugetlbfs memfd (memfd_create MFD_HUGETLB), mapped shared and written:
 * after restore the fd and the mapping are still backed by huge pages
 * (KernelPageSize in smaps), keep the contents, and writes through the
 * mapping are seen through the fd. The test reserves two huge pages itself
 * when none are configured and gives them back at the end.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "zdtmtst.h"

#define NR_HUGE "/proc/sys/vm/nr_hugepages"
#define HUGE (2UL << 20)

static long read_long(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static int write_long(const char *path, long v)
{
	FILE *f = fopen(path, "w");
	int ret;

	if (!f)
		return -1;
	ret = fprintf(f, "%ld\n", v) < 0;
	return fclose(f) || ret ? -1 : 0;
}

/* KernelPageSize of the VMA at @addr in kB, -1 if not found. */
static long kpagesize(unsigned long addr)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	int in = 0;
	long kb = -1;

	while (f && fgets(line, sizeof(line), f)) {
		unsigned long s, e;

		if (sscanf(line, "%lx-%lx ", &s, &e) == 2 && strchr(line, '-') < strchr(line, ' '))
			in = addr >= s && addr < e;
		else if (in && sscanf(line, "KernelPageSize: %ld kB", &kb) == 1)
			break;
	}
	if (f)
		fclose(f);
	return kb;
}

int main(int argc, char **argv)
{
	long old = read_long(NR_HUGE), free_pages;
	int fd, raised = 0;
	char *m, buf[8];

	test_init(argc, argv);
	if (old < 0)
		test_skip("no %s: no hugetlbfs", NR_HUGE);
	if (old < 4) {
		if (write_long(NR_HUGE, 4) || read_long(NR_HUGE) < 4) {
			write_long(NR_HUGE, old);
			test_skip("cannot reserve 4 huge pages in %s", NR_HUGE);
		}
		raised = 1;
	}
	fd = memfd_create("hugetlb-test", MFD_HUGETLB | MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, (off_t)HUGE)) {
		if (raised)
			write_long(NR_HUGE, old);
		test_skip("memfd_create MFD_HUGETLB: %m");
	}
	m = mmap(NULL, HUGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED) {
		if (raised)
			write_long(NR_HUGE, old);
		test_skip("mmap hugetlb memfd: %m");
	}
	mem_fill(m, HUGE, 31);
	free_pages = kpagesize((unsigned long)m);
	test_msg("kernel page size %ld kB", free_pages);
	test_daemon();
	test_waitsig();

	mem_check("hugetlb memfd mapping", m, HUGE, 31);
	if (kpagesize((unsigned long)m) != (long)(HUGE >> 10))
		fail("mapping at %p: KernelPageSize %ld kB after restore, expected %lu kB",
		     (void *)m, kpagesize((unsigned long)m), HUGE >> 10);
	memcpy(m + 4096, "written!", 8);
	if (pread(fd, buf, 8, 4096) != 8 || memcmp(buf, "written!", 8))
		fail("a write through the mapping is not seen through the memfd");
	munmap(m, HUGE);
	close(fd);
	if (raised && write_long(NR_HUGE, old))
		fail("cannot give back the huge pages (%s to %ld)", NR_HUGE, old);
	return test_done();
}
