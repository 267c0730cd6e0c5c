/*
 * Mappings of an unlinked file (its last fd closed) survive: a shared
 * mapping and a private one with a page written (copy on write) read the
 * file's content after restore, and the shared one stays writable.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "zdtmtst.h"

#define PG 4096
#define SZ (3 * PG)

int main(int argc, char **argv)
{
	static char buf[SZ];
	const char *path;
	char *sh, *pr;
	int fd;

	test_init(argc, argv);
	path = test_path("unlinked-mapped");
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	mem_fill(buf, SZ, 5);
	if (fd < 0 || write(fd, buf, SZ) != SZ)
		test_skip("file: %m");
	sh = mmap(NULL, SZ, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	pr = mmap(NULL, SZ, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (sh == MAP_FAILED || pr == MAP_FAILED)
		test_skip("mmap: %m");
	mem_fill(pr + PG, PG, 55);
	close(fd);
	if (unlink(path))
		fail("unlink: %m");
	test_daemon();
	test_waitsig();

	mem_check("shared mapping of the unlinked file", sh, SZ, 5);
	mem_check("private mapping, page 0", pr, PG, 5);
	mem_check("private mapping, written page 1", pr + PG, PG, 55);
	mem_fill(buf, SZ, 5);
	if (memcmp(pr + 2 * PG, buf + 2 * PG, PG))
		fail("private mapping, page 2: differs from the file");
	sh[7] ^= 1;
	sh[7] ^= 1;
	if (access(path, F_OK) == 0)
		fail("'%s' exists again", path);
	return test_done();
}
