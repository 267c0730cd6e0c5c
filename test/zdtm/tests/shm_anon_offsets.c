/*
 * One MAP_SHARED|MAP_ANONYMOUS object of 16 pages, shared with a child after
 * fork: the parent keeps pages 0-9 at their place and moves pages 12-15
 * elsewhere with mremap (offset 12 pages); the child unmaps pages 0-3 and keeps
 * 4-15. After restore every page of the object reads back in every mapping,
 * and a write through one mapping is seen through the others (one object).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "zdtmtst.h"

#define PAGES 16

/* Checks that page @pg of the object reads pattern @seed + pg at @p. */
static int check_page(const char *who, const char *p, int pg, uint64_t seed)
{
	char what[64];

	snprintf(what, sizeof(what), "%s: object page %d", who, pg);
	return mem_check(what, p, page_size(), seed + pg);
}

int main(int argc, char **argv)
{
	size_t ps = page_size();
	volatile char *flag;
	char *m, *moved, c;
	int p[2], st, i;
	pid_t child;

	test_init(argc, argv);
	m = mmap(NULL, PAGES * ps, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED || pipe(p))
		test_skip("mmap/pipe: %m");
	for (i = 0; i < PAGES; i++)
		mem_fill(m + i * ps, ps, 100 + i);
	child = fork();
	if (child == 0) {
		if (munmap(m, 4 * ps) || write(p[1], "x", 1) != 1)
			_exit(2);
		test_waitsig();
		/* pages 5 and 13 the parent writes before signalling: it checked them */
		for (i = 4; i < PAGES; i++)
			if (i != 5 && i != 13)
				check_page("child", m + i * ps, i, 100);
		/* the parent wrote page 13 (its moved part) and page 5 */
		flag = (volatile char *)(m + 5 * ps);
		for (i = 0; i < 500 && *flag != 'P'; i++)
			usleep(10000);
		if (*flag != 'P')
			fail("child: the parent's write to object page 5 is not seen");
		if (m[13 * ps] != 'Q')
			fail("child: the parent's write to object page 13 (moved) is not seen");
		m[6 * ps] = 'C';
		exit(test_failures() ? 1 : 0);
	}
	moved = mremap(m + 12 * ps, 4 * ps, 4 * ps, MREMAP_MAYMOVE | MREMAP_FIXED,
		       m + (PAGES + 64) * ps);
	if (moved == MAP_FAILED)
		test_skip("mremap: %m");
	munmap(m + 10 * ps, 2 * ps);
	if (read(p[0], &c, 1) != 1)
		fail("child did not start");
	test_daemon();
	test_waitsig();

	for (i = 0; i < 10; i++)
		check_page("parent", m + i * ps, i, 100);
	for (i = 12; i < PAGES; i++)
		check_page("parent (moved part)", moved + (i - 12) * ps, i, 100);
	moved[ps] = 'Q';
	m[5 * ps] = 'P';
	kill(child, SIGTERM);
	st = wait_child(child, 10000);
	if (st != 0)
		fail("child wait status 0x%x", st);
	if (m[6 * ps] != 'C')
		fail("parent: the child's write to object page 6 is not seen");
	return test_done();
}
