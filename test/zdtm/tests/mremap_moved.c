/* Areas moved and grown with mremap keep their contents at the new places. */
#include <sys/mman.h>

#include "zdtmtst.h"

int main(int argc, char **argv)
{
	size_t ps = page_size();
	char *a, *b, *target, *moved, *grown;

	test_init(argc, argv);
	a = mmap(NULL, 8 * ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	b = mmap(NULL, 4 * ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	target = mmap(NULL, 16 * ps, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a == MAP_FAILED || b == MAP_FAILED || target == MAP_FAILED)
		test_skip("mmap: %m");
	mem_fill(a, 8 * ps, 41);
	mem_fill(b, 4 * ps, 42);
	moved = mremap(a, 8 * ps, 8 * ps, MREMAP_MAYMOVE | MREMAP_FIXED, target + 4 * ps);
	grown = mremap(b, 4 * ps, 64 * ps, MREMAP_MAYMOVE);
	if (moved == MAP_FAILED || grown == MAP_FAILED)
		test_skip("mremap: %m");
	mem_fill(grown + 32 * ps, 4 * ps, 43);
	test_daemon();
	test_waitsig();

	mem_check("moved area", moved, 8 * ps, 41);
	mem_check("grown area, old part", grown, 4 * ps, 42);
	mem_check("grown area, new part", grown + 32 * ps, 4 * ps, 43);
	if (!(a >= grown && a < grown + 64 * ps) && !(a >= target && a < target + 16 * ps) &&
	    msync(a, ps, MS_ASYNC) == 0)
		fail("old address %p of the moved area is mapped again", a);
	return test_done();
}
