/* Private anonymous mappings keep their addresses and contents; untouched pages stay zero. */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "zdtmtst.h"

#define NR 4

static const size_t pages[NR] = {1, 16, 300, 1024};

int main(int argc, char **argv)
{
	char *m[NR], *zeros;
	size_t ps = page_size(), len;
	int i;

	test_init(argc, argv);
	zeros = mmap(NULL, ps, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	for (i = 0; i < NR; i++) {
		m[i] = mmap(NULL, pages[i] * ps, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m[i] == MAP_FAILED)
			test_skip("mmap of %zu pages: %m", pages[i]);
		/* Fill the first half; the second half is never touched. */
		len = (pages[i] + 1) / 2 * ps;
		mem_fill(m[i], len, 100 + i);
	}
	test_daemon();
	test_waitsig();

	for (i = 0; i < NR; i++) {
		char what[64];
		size_t p;

		len = (pages[i] + 1) / 2 * ps;
		snprintf(what, sizeof(what), "mapping %d (%zu pages)", i, pages[i]);
		mem_check(what, m[i], len, 100 + i);
		for (p = len; p < pages[i] * ps; p += ps)
			if (memcmp(m[i] + p, zeros, ps)) {
				fail("%s: untouched page at %p is not zero", what, m[i] + p);
				break;
			}
	}
	return test_done();
}
