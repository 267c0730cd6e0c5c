/*
 * A shared anonymous mapping keeps its contents and stays shared between the
 * parent and the child that inherited it.
 */
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "zdtmtst.h"

#define PAGES 64

int main(int argc, char **argv)
{
	size_t len = PAGES * page_size();
	volatile unsigned long *flag;
	char *m;
	pid_t child;
	int st;

	test_init(argc, argv);
	m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		test_skip("mmap: %m");
	mem_fill(m, len - page_size(), 7);
	flag = (volatile unsigned long *)(m + len - page_size());
	*flag = 0;
	child = fork();
	if (child == 0) {
		test_waitsig();
		if (mem_check("child's view of the shared mapping", m, len - page_size(), 7))
			exit(1);
		*flag = 0xfeedfaceUL; /* the parent must see this */
		exit(0);
	}
	test_daemon();
	test_waitsig();

	mem_check("parent's view of the shared mapping", m, len - page_size(), 7);
	kill(child, SIGTERM);
	st = wait_child(child, 10000);
	if (st != 0)
		fail("child wait status 0x%x", st);
	if (*flag != 0xfeedfaceUL)
		fail("mapping at %p is no longer shared: child wrote 0xfeedface, parent reads "
		     "0x%lx",
		     m, *flag);
	return test_done();
}
