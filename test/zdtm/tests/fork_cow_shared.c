/*
 * Pages still shared copy-on-write between a parent and its child come back
 * shared: after restore each page the child did not write since the fork is
 * the same physical page in both processes (same PFN in pagemap, read as
 * root), each page it wrote is its own, and the contents are right on both
 * sides.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "zdtmtst.h"

#define PAGES 64
#define PFN_MASK ((1ULL << 55) - 1)
#define PM_PRESENT (1ULL << 63)

static uint64_t pfn_of(pid_t pid, const char *p)
{
	char path[64];
	uint64_t e = 0;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/pagemap", (int)pid);
	fd = open(path, O_RDONLY);
	if (fd < 0 || pread(fd, &e, 8, (off_t)((uintptr_t)p / page_size() * 8)) != 8)
		e = 0;
	if (fd >= 0)
		close(fd);
	return (e & PM_PRESENT) ? e & PFN_MASK : 0;
}

static int written(size_t i)
{
	return i % 4 == 1;
}

static void check(const char *who, char *m, int child)
{
	size_t ps = page_size(), i;
	char what[64];

	for (i = 0; i < PAGES; i++) {
		snprintf(what, sizeof(what), "%s page %zu", who, i);
		mem_check(what, m + i * ps, ps, (child && written(i)) ? 2000 + i : 1000 + i);
	}
}

/* In the child: page by page, shared with the parent exactly where it did not write. */
static void check_sharing(pid_t parent, char *m)
{
	size_t ps = page_size(), i, bad = 0;

	for (i = 0; i < PAGES; i++) {
		uint64_t mine = pfn_of(getpid(), m + i * ps), theirs = pfn_of(parent, m + i * ps);

		if (!mine || !theirs) {
			fail("page %zu: not present after restore (pfn 0x%llx / 0x%llx)", i,
			     (unsigned long long)mine, (unsigned long long)theirs);
			bad++;
		} else if ((mine == theirs) == (written(i) != 0)) {
			if (bad++ < 4)
				fail("page %zu (%s by the child): pfn 0x%llx in the child, 0x%llx "
				     "in the parent",
				     i, written(i) ? "written" : "not written",
				     (unsigned long long)mine, (unsigned long long)theirs);
		}
	}
	if (bad > 4)
		fail("%zu pages of %d shared wrongly in all", bad, PAGES);
}

int main(int argc, char **argv)
{
	size_t ps = page_size(), i;
	pid_t child, parent = getpid();
	int p[2], st;
	char *m, c;

	test_init(argc, argv);
	parent = getpid();
	m = mmap(NULL, PAGES * ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED || pipe(p))
		test_skip("mmap/pipe: %m");
	madvise(m, PAGES * ps, MADV_NOHUGEPAGE);
	for (i = 0; i < PAGES; i++)
		mem_fill(m + i * ps, ps, 1000 + i);
	if (!pfn_of(parent, m))
		test_skip("pagemap shows no PFNs (needs CAP_SYS_ADMIN)");
	child = fork();
	if (child == 0) {
		for (i = 0; i < PAGES; i++)
			if (written(i))
				mem_fill(m + i * ps, ps, 2000 + i);
		if (pfn_of(getpid(), m) != pfn_of(parent, m))
			_exit(3); /* not shared even before the dump */
		if (write(p[1], "x", 1) != 1)
			_exit(2);
		test_waitsig();
		check("child", m, 1);
		check_sharing(parent, m);
		exit(test_failures() ? 1 : 0);
	}
	if (read(p[0], &c, 1) != 1)
		test_skip("child did not start (pages not shared after fork?)");
	close(p[0]);
	close(p[1]);
	test_daemon();
	test_waitsig();

	check("parent", m, 0);
	kill(child, SIGTERM);
	st = wait_child(child, 10000);
	if (st != 0)
		fail("child wait status 0x%x (the child's checks failed)", st);
	return test_done();
}
