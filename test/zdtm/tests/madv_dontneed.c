/*
 * Pages dropped with MADV_DONTNEED read as zero after restore (they must not
 * come back from an earlier image), the rest keep their contents.
 */
#include <string.h>
#include <sys/mman.h>

#include "zdtmtst.h"

#define PAGES 64

int main(int argc, char **argv)
{
	size_t ps = page_size(), i;
	char *m, *zero;

	test_init(argc, argv);
	m = mmap(NULL, PAGES * ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	zero = mmap(NULL, ps, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED || zero == MAP_FAILED)
		test_skip("mmap: %m");
	for (i = 0; i < PAGES; i++)
		mem_fill(m + i * ps, ps, 130 + i);
	for (i = 0; i < PAGES; i += 4)
		madvise(m + i * ps, ps, MADV_DONTNEED);
	test_daemon();
	test_waitsig();

	for (i = 0; i < PAGES; i++) {
		if (i % 4 == 0) {
			if (memcmp(m + i * ps, zero, ps))
				fail("dropped page %zu at %p is not zero", i, m + i * ps);
		} else {
			mem_check("kept page", m + i * ps, ps, 130 + i);
		}
	}
	return test_done();
}
