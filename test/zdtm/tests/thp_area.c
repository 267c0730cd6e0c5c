/* A MADV_HUGEPAGE area keeps its contents and its "hg" VmFlag. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "zdtmtst.h"

#define HPAGE (2UL << 20)
#define SIZE (4 * HPAGE)

/* Finds the smaps entry that starts at addr and looks for VmFlag "hg". */
static int has_hg_flag(void *addr)
{
	char line[512];
	unsigned long start, end;
	int in = 0, found = -1;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2)
			in = start == (unsigned long)addr;
		else if (in && !strncmp(line, "VmFlags:", 8)) {
			found = strstr(line, " hg") != NULL;
			break;
		}
	}
	fclose(f);
	return found;
}

int main(int argc, char **argv)
{
	char *raw, *m;

	test_init(argc, argv);
	raw = mmap(NULL, SIZE + HPAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED)
		test_skip("mmap: %m");
	m = (char *)(((uintptr_t)raw + HPAGE - 1) & ~(HPAGE - 1));
	if (madvise(m, SIZE, MADV_HUGEPAGE))
		test_skip("MADV_HUGEPAGE: %m");
	mem_fill(m, SIZE, 51);
	if (has_hg_flag(m) != 1)
		fail("no hg flag before checkpoint");
	test_daemon();
	test_waitsig();

	mem_check("THP area", m, SIZE, 51);
	if (has_hg_flag(m) != 1)
		fail("area at %p lost its MADV_HUGEPAGE (hg) flag", m);
	return test_done();
}
