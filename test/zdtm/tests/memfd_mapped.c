/*
 * Mappings of memfds survive: a shared mapping whose fd is still open (a
 * write through the mapping shows through the fd: one object), a shared
 * mapping whose fd was closed (the mapping alone keeps the object), and a
 * private mapping with one page written (copy on write) and the others
 * still reading the object.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "zdtmtst.h"

#define PG 4096
#define SZ (4 * PG)

static char *map_memfd(const char *name, int prot, int flags, uint64_t seed, int *fdp)
{
	static char buf[SZ];
	int fd = memfd_create(name, 0);
	char *p;

	mem_fill(buf, SZ, seed);
	if (fd < 0 || pwrite(fd, buf, SZ, 0) != SZ)
		test_skip("memfd: %m");
	p = mmap(NULL, SZ, prot, flags, fd, 0);
	if (p == MAP_FAILED)
		test_skip("mmap: %m");
	if (fdp)
		*fdp = fd;
	else
		close(fd);
	return p;
}

int main(int argc, char **argv)
{
	char *a, *c, *d, byte = 0;
	int fa;

	test_init(argc, argv);
	a = map_memfd("zdtm-map-fd", PROT_READ | PROT_WRITE, MAP_SHARED, 1, &fa);
	c = map_memfd("zdtm-map-only", PROT_READ | PROT_WRITE, MAP_SHARED, 2, NULL);
	d = map_memfd("zdtm-map-private", PROT_READ | PROT_WRITE, MAP_PRIVATE, 3, NULL);
	mem_fill(d + PG, PG, 33); /* a private copy of page 1 */
	c[10] = 'C';
	test_daemon();
	test_waitsig();

	mem_check("shared mapping with its fd", a, SZ, 1);
	a[5] = 'A';
	if (pread(fa, &byte, 1, 5) != 1 || byte != 'A')
		fail("a write through the mapping does not show through the fd ('%c')", byte);
	{
		static char want[SZ];

		mem_fill(want, SZ, 2);
		want[10] = 'C';
		if (memcmp(c, want, SZ))
			fail("shared mapping without fd: content differs (byte 10: 0x%x)", c[10]);
	}
	mem_check("private mapping, page 0", d, PG, 3);
	mem_check("private mapping, written page 1", d + PG, PG, 33);
	{
		static char want[SZ];

		mem_fill(want, SZ, 3);
		if (memcmp(d + 2 * PG, want + 2 * PG, 2 * PG))
			fail("private mapping: pages 2-3 differ from the object");
	}
	return test_done();
}
