/* The heap (brk area) keeps its end and contents; it can still grow after restore. */
#include <stdint.h>
#include <unistd.h>

#include "zdtmtst.h"

#define GROW (1 << 20)

int main(int argc, char **argv)
{
	char *start, *end, *more;

	test_init(argc, argv);
	start = sbrk(0);
	if (sbrk(GROW) == (void *)-1)
		test_skip("sbrk: %m");
	end = sbrk(0);
	mem_fill(start, GROW, 121);
	test_daemon();
	test_waitsig();

	if (sbrk(0) != end)
		fail("program break is %p, expected %p", sbrk(0), (void *)end);
	mem_check("heap grown with sbrk", start, GROW, 121);
	more = sbrk(4096);
	if (more == (void *)-1 || sbrk(0) != end + 4096)
		fail("brk cannot grow after restore");
	else
		more[4095] = 1;
	return test_done();
}
