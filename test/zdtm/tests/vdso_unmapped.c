/*
 * A process that unmapped its [vdso] (and [vvar]): the dump finds another
 * syscall instruction to borrow, and after restore the process still has no
 * vDSO (getauxval(AT_SYSINFO_EHDR) points at nothing mapped) and its
 * memory is intact.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "zdtmtst.h"

/* 1 if /proc/self/maps has a line naming @name. */
static int has_area(const char *name)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	int found = 0;

	while (f && fgets(line, sizeof(line), f))
		found |= strstr(line, name) != NULL;
	if (f)
		fclose(f);
	return found;
}

static void unmap_area(const char *name)
{
	FILE *f = fopen("/proc/self/maps", "r");
	unsigned long s[8], e[8];
	char line[512];
	int n = 0;

	while (f && n < 8 && fgets(line, sizeof(line), f))
		if (strstr(line, name) && sscanf(line, "%lx-%lx", &s[n], &e[n]) == 2)
			n++;
	if (f)
		fclose(f);
	for (int i = 0; i < n; i++)
		if (munmap((void *)s[i], e[i] - s[i]))
			test_skip("munmap %s: %m", name);
}

int main(int argc, char **argv)
{
	size_t len = 16 * page_size();
	struct timespec ts;
	char *m;

	test_init(argc, argv);
	if (!has_area("[vdso]"))
		test_skip("no [vdso] to start with");
	m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		test_skip("mmap: %m");
	mem_fill(m, len, 77);
	/* glibc calls the vDSO for clock_gettime: the raw syscall never does. */
	unmap_area("[vdso]");
	unmap_area("[vvar");
	test_daemon();
	test_waitsig();

	mem_check("memory", m, len, 77);
	if (has_area("[vdso]"))
		fail("a [vdso] is mapped after restore, the process had none");
	if (has_area("[vvar"))
		fail("a [vvar] is mapped after restore, the process had none");
	if (syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts))
		fail("clock_gettime syscall: %m");
	return test_done();
}
