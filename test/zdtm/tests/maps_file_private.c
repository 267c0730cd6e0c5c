/*
 * A private file mapping keeps the pages the task modified (copy-on-write)
 * and still shows the file's contents in the pages it did not modify.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "zdtmtst.h"

#define PAGES 32

int main(int argc, char **argv)
{
	size_t ps = page_size(), len = PAGES * ps, i;
	char *buf, *m;
	int fd;

	test_init(argc, argv);
	buf = malloc(len);
	mem_fill(buf, len, 11);
	fd = open(test_path("private.map"), O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, buf, len) != (ssize_t)len)
		fail("create the file: %m");
	m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		test_skip("mmap: %m");
	for (i = 0; i < PAGES; i += 2) /* even pages: private copies */
		mem_fill(m + i * ps, ps, 1000 + i);
	test_daemon();
	test_waitsig();

	for (i = 0; i < PAGES; i++) {
		if (i % 2 == 0)
			mem_check("modified (COW) page", m + i * ps, ps, 1000 + i);
		else if (memcmp(m + i * ps, buf + i * ps, ps))
			fail("unmodified page %zu at %p differs from the file", i, m + i * ps);
	}
	return test_done();
}
