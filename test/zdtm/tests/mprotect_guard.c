/*
 * Protections survive: a read-only area, a PROT_NONE guard page between two
 * writable areas, and a mapping split in two by mprotect.
 */
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>

#include "zdtmtst.h"

static sigjmp_buf env;

static void segv(int sig)
{
	siglongjmp(env, 1);
}

static int faults(volatile char *p, int write)
{
	if (sigsetjmp(env, 1))
		return 1;
	if (write)
		*p = 1;
	else
		(void)*p;
	return 0;
}

int main(int argc, char **argv)
{
	size_t ps = page_size();
	char *m;

	test_init(argc, argv);
	/* [0,4) rw | [4] none | [5,9) rw->[5,7) ro + [7,9) rw */
	m = mmap(NULL, 9 * ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		test_skip("mmap: %m");
	mem_fill(m, 4 * ps, 31);
	mem_fill(m + 4 * ps, ps, 33);
	mem_fill(m + 5 * ps, 4 * ps, 32);
	mprotect(m + 4 * ps, ps, PROT_NONE);
	mprotect(m + 5 * ps, 2 * ps, PROT_READ);
	signal(SIGSEGV, segv);
	test_daemon();
	test_waitsig();

	mem_check("rw area", m, 4 * ps, 31);
	mem_check("ro and rw areas after the guard", m + 5 * ps, 4 * ps, 32);
	if (!faults(m + 4 * ps, 0))
		fail("PROT_NONE guard page at %p is readable", m + 4 * ps);
	if (!faults(m + 5 * ps, 1))
		fail("read-only page at %p is writable", m + 5 * ps);
	if (faults(m + 7 * ps, 1))
		fail("writable page at %p faults", m + 7 * ps);
	if (faults(m, 1))
		fail("writable page at %p faults", m);
	/* The guard page's contents must have survived too. */
	if (mprotect(m + 4 * ps, ps, PROT_READ))
		fail("mprotect guard: %m");
	else
		mem_check("PROT_NONE page contents", m + 4 * ps, ps, 33);
	return test_done();
}
