/*
 * kernel-iface/procmap-query.c against our own mappings, cross-checked with
 * /proc/self/maps: the [vdso], a mapping with a long file name, a hole.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "procmap-query.h"
#include "tap.h"

/* The line of /proc/self/maps ending in @name: its bounds. */
static int maps_find(const char *name, unsigned long *start, unsigned long *end)
{
	char line[512];
	FILE *f = fopen("/proc/self/maps", "re");
	int ret = -ENOENT;

	while (f && fgets(line, sizeof(line), f)) {
		size_t l = strlen(line), n = strlen(name);

		if (l > n && !strncmp(line + l - n - 1, name, n) &&
		    sscanf(line, "%lx-%lx", start, end) == 2) {
			ret = 0;
			break;
		}
	}
	if (f)
		fclose(f);
	return ret;
}

int main(void)
{
	unsigned long s = 0, e = 0;
	struct procmap_vma v;
	long pg = sysconf(_SC_PAGESIZE);
	char *hole;
	int ret;

	if (maps_find("[vdso]", &s, &e)) {
		skip("no [vdso] in our maps");
		return tap_done();
	}
	ret = procmap_query(getpid(), s + 1, &v);
	if (ret == -EOPNOTSUPP) {
		skip("PROCMAP_QUERY: this kernel has none (Linux 6.11)");
		return tap_done();
	}
	ok(!ret && v.start == s && v.end == e && !strcmp(v.name, "[vdso]"),
	   "[vdso]: %lx-%lx '%s' as in maps %lx-%lx", v.start, v.end, v.name, s, e);
	ret = procmap_query(getpid(), (unsigned long)main, &v);
	ok(!ret && v.start <= (unsigned long)main && (unsigned long)main < v.end &&
		   v.name[0] == '/',
	   "our code: %d, %lx-%lx '%s'", ret, v.start, v.end, v.name);
	hole = mmap(NULL, (size_t)pg * 3, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(hole + pg, (size_t)pg);
	ret = procmap_query(getpid(), (unsigned long)hole + (unsigned long)pg, &v);
	ok(ret == -ENOENT, "an unmapped page: %d (-ENOENT)", ret);
	ret = procmap_query(getpid(), (unsigned long)hole, &v);
	ok(!ret && v.start == (unsigned long)hole && v.end == v.start + (unsigned long)pg &&
		   !v.name[0],
	   "an anonymous page: %lx-%lx, no name", v.start, v.end);
	return tap_done();
}
