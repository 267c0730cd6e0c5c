/*
 * Guard regions (MADV_GUARD_INSTALL, Linux 6.13+): pages 2-3 and 6 of an
 * 8-page private anonymous area are guards. After restore they are still
 * guards (pagemap bit 58, and MADV_GUARD_REMOVE then makes them readable
 * zero pages), the other pages keep their contents.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "zdtmtst.h"

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102
#define MADV_GUARD_REMOVE 103
#endif
#define PM_GUARD (1ULL << 58)
#define PAGES 8

static int is_guard(int pm, const char *p)
{
	uint64_t e = 0;

	if (pread(pm, &e, 8, (off_t)((uintptr_t)p / page_size() * 8)) != 8)
		return -1;
	return (e & PM_GUARD) != 0;
}

static int guarded(size_t i)
{
	return i == 2 || i == 3 || i == 6;
}

int main(int argc, char **argv)
{
	size_t ps = page_size(), i;
	char *m, what[64];
	int pm;

	test_init(argc, argv);
	m = mmap(NULL, PAGES * ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	pm = open("/proc/self/pagemap", O_RDONLY);
	if (m == MAP_FAILED || pm < 0)
		test_skip("mmap/pagemap: %m");
	for (i = 0; i < PAGES; i++)
		mem_fill(m + i * ps, ps, 60 + i);
	if (madvise(m + 2 * ps, 2 * ps, MADV_GUARD_INSTALL) ||
	    madvise(m + 6 * ps, ps, MADV_GUARD_INSTALL))
		test_skip("MADV_GUARD_INSTALL not supported by this kernel: %m");
	if (is_guard(pm, m + 2 * ps) != 1)
		test_skip("pagemap does not report guard regions (bit 58, Linux 6.15+)");
	close(pm); /* an open /proc/self file is not what this test is about */
	test_daemon();
	test_waitsig();

	pm = open("/proc/self/pagemap", O_RDONLY);
	if (pm < 0)
		fail("open /proc/self/pagemap after restore: %m");

	for (i = 0; i < PAGES; i++) {
		int g = is_guard(pm, m + i * ps);

		snprintf(what, sizeof(what), "page %zu", i);
		if (g != (int)guarded(i))
			fail("%s: guard bit %d after restore, expected %d", what, g, guarded(i));
		else if (!guarded(i))
			mem_check(what, m + i * ps, ps, 60 + i);
	}
	if (madvise(m, PAGES * ps, MADV_GUARD_REMOVE))
		fail("MADV_GUARD_REMOVE after restore: %m");
	else if (m[2 * ps] || m[6 * ps + 10])
		fail("a former guard page is not zero after MADV_GUARD_REMOVE");
	return test_done();
}
