/*
 * Locked memory: one area mapped with MAP_LOCKED, one locked later with
 * mlock() on part of it. After restore the same ranges are locked ("lo" in
 * their smaps VmFlags, VmLck in status) and keep their contents.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "zdtmtst.h"

#define PAGES 8

/* 1 if the VMA containing @addr has "lo" in its VmFlags, 0 if not, -1 if not found. */
static int vma_locked(unsigned long addr)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	int in = 0, ret = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long s, e;

		if (sscanf(line, "%lx-%lx ", &s, &e) == 2 &&
		    strchr(line, '-') < strchr(line, ' ')) {
			in = addr >= s && addr < e;
			continue;
		}
		if (in && !strncmp(line, "VmFlags:", 8)) {
			ret = strstr(line, " lo") != NULL;
			break;
		}
	}
	fclose(f);
	return ret;
}

static long vmlck_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmLck: %ld kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

int main(int argc, char **argv)
{
	size_t ps = page_size();
	char *a, *b;
	long before, after;

	test_init(argc, argv);
	a = mmap(NULL, PAGES * ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED,
		 -1, 0);
	b = mmap(NULL, PAGES * ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a == MAP_FAILED || b == MAP_FAILED)
		test_skip("mmap MAP_LOCKED: %m");
	mem_fill(a, PAGES * ps, 11);
	mem_fill(b, PAGES * ps, 12);
	if (mlock(b + 2 * ps, 3 * ps))
		test_skip("mlock: %m");
	before = vmlck_kb();
	test_daemon();
	test_waitsig();

	mem_check("MAP_LOCKED area", a, PAGES * ps, 11);
	mem_check("mlocked area", b, PAGES * ps, 12);
	if (vma_locked((unsigned long)a) != 1)
		fail("MAP_LOCKED area %p is no longer locked", (void *)a);
	if (vma_locked((unsigned long)b + 2 * ps) != 1)
		fail("mlocked range %p is no longer locked", (void *)(b + 2 * ps));
	if (vma_locked((unsigned long)b) != 0 || vma_locked((unsigned long)b + 5 * ps) != 0)
		fail("the unlocked parts of %p are locked after restore", (void *)b);
	after = vmlck_kb();
	if (after != before)
		fail("VmLck %ld kB after restore, %ld kB before", after, before);
	return test_done();
}
