/*
 * File mappings whose protection was changed with mprotect():
 *  - a shared writable mapping of a file opened O_RDWR, its first half made
 *    read-only (the read-only VMA comes first in address order);
 *  - a whole shared writable mapping made read-only: it may be made writable
 *    again after restore (the mapping keeps its write permission);
 *  - a private mapping of a file opened O_RDONLY made writable and written.
 * After restore the contents, the protections and the sharing with the file
 * are as before.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "zdtmtst.h"

#define PAGES 4

static char *map_file(const char *name, int oflags, int prot, int flags, uint64_t seed)
{
	size_t len = PAGES * page_size();
	char *buf = malloc(len), *m;
	int fd = open(test_path(name), O_RDWR | O_CREAT | O_TRUNC, 0600);

	if (fd < 0 || !buf)
		test_skip("create %s: %m", name);
	mem_fill(buf, len, seed);
	if (write(fd, buf, len) != (ssize_t)len)
		test_skip("write %s: %m", name);
	close(fd);
	free(buf);
	fd = open(test_path(name), oflags);
	m = mmap(NULL, len, prot, flags, fd, 0);
	if (fd < 0 || m == MAP_FAILED)
		test_skip("mmap %s: %m", name);
	close(fd);
	return m;
}

static void check_file(const char *name, size_t off, char want)
{
	int fd = open(test_path(name), O_RDONLY);
	char c = 0;

	if (fd < 0 || pread(fd, &c, 1, (off_t)off) != 1)
		fail("%s: cannot read byte %zu: %m", name, off);
	else if (c != want)
		fail("%s: byte %zu is 0x%02x in the file, 0x%02x written through the mapping", name,
		     off, (unsigned char)c, (unsigned char)want);
	if (fd >= 0)
		close(fd);
}

int main(int argc, char **argv)
{
	size_t ps = page_size();
	char *half, *ro, *priv, orig;

	test_init(argc, argv);
	half = map_file("half", O_RDWR, PROT_READ | PROT_WRITE, MAP_SHARED, 1);
	ro = map_file("ro", O_RDWR, PROT_READ | PROT_WRITE, MAP_SHARED, 2);
	priv = map_file("priv", O_RDONLY, PROT_READ, MAP_PRIVATE, 3);
	if (mprotect(half, 2 * ps, PROT_READ) || mprotect(ro, PAGES * ps, PROT_READ) ||
	    mprotect(priv, PAGES * ps, PROT_READ | PROT_WRITE))
		test_skip("mprotect: %m");
	priv[ps] = 'p';
	orig = priv[0];
	test_daemon();
	test_waitsig();

	mem_check("half (read-only part)", half, 2 * ps, 1);
	/* not the last page: with --leave-running the original writes it (shared file) */
	mem_check("ro", ro, (PAGES - 1) * ps, 2);
	if (priv[ps] != 'p')
		fail("private mapping: byte %zu is 0x%02x, 'p' written", ps,
		     (unsigned char)priv[ps]);
	half[3 * ps] = 'h';
	check_file("half", 3 * ps, 'h');
	if (mprotect(ro, PAGES * ps, PROT_READ | PROT_WRITE))
		fail("ro: mprotect back to read-write: %m");
	else {
		ro[PAGES * ps - 1] = 'r';
		check_file("ro", PAGES * ps - 1, 'r');
	}
	priv[0] = 'q';
	check_file("priv", 0, orig); /* private: the file keeps its byte */
	return test_done();
}
