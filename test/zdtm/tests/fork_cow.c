/*
 * Pages shared copy-on-write after fork: the child changed half of them; the
 * parent and the child each still see their own version after restore.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "zdtmtst.h"

#define PAGES 256

static int check(const char *who, char *m, int child)
{
	size_t ps = page_size(), i;
	char what[64];
	int bad = 0;

	for (i = 0; i < PAGES; i++) {
		uint64_t seed = (child && i % 2) ? 2000 + i : 1000 + i;

		snprintf(what, sizeof(what), "%s page %zu", who, i);
		bad |= mem_check(what, m + i * ps, ps, seed);
	}
	return bad;
}

int main(int argc, char **argv)
{
	size_t ps = page_size(), i;
	int p[2], st;
	pid_t child;
	char *m, c;

	test_init(argc, argv);
	m = mmap(NULL, PAGES * ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED || pipe(p))
		test_skip("mmap/pipe: %m");
	for (i = 0; i < PAGES; i++)
		mem_fill(m + i * ps, ps, 1000 + i);
	child = fork();
	if (child == 0) {
		for (i = 1; i < PAGES; i += 2)
			mem_fill(m + i * ps, ps, 2000 + i);
		if (write(p[1], "x", 1) != 1)
			_exit(2);
		test_waitsig();
		exit(check("child", m, 1) ? 1 : 0);
	}
	if (read(p[0], &c, 1) != 1)
		fail("child did not start");
	close(p[0]);
	close(p[1]);
	test_daemon();
	test_waitsig();

	check("parent", m, 0);
	kill(child, SIGTERM);
	st = wait_child(child, 10000);
	if (st != 0)
		fail("child wait status 0x%x", st);
	return test_done();
}
