/*
 * A shared file mapping keeps its contents and still writes through to the
 * file after restore.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "zdtmtst.h"

#define PAGES 16

int main(int argc, char **argv)
{
	size_t ps = page_size(), len = PAGES * ps;
	uint64_t old, probe = 0x5eed5eed5eed5eedULL, back = 0;
	char *m;
	int fd;

	test_init(argc, argv);
	fd = open(test_path("shared.map"), O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || ftruncate(fd, len))
		fail("create the file: %m");
	m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		test_skip("mmap: %m");
	mem_fill(m, len, 21);
	test_daemon();
	test_waitsig();

	mem_check("shared file mapping", m, len, 21);
	/* Written through the mapping, visible in the file; then put back. */
	memcpy(&old, m + 5 * ps, 8);
	memcpy(m + 5 * ps, &probe, 8);
	if (pread(fd, &back, 8, 5 * ps) != 8 || back != probe)
		fail("write through the mapping at %p is not in the file (read 0x%llx)", m + 5 * ps,
		     (unsigned long long)back);
	memcpy(m + 5 * ps, &old, 8);
	msync(m, len, MS_SYNC);
	return test_done();
}
