/*
 * A private mapping of /dev/zero (MAP_PRIVATE on the character device): the
 * written pages come back, the untouched ones read zero, and the mapping is
 * still private (a child forked after restore does not see its parent's
 * later writes).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

#define PAGES 8

int main(int argc, char **argv)
{
	size_t ps = page_size(), i;
	int fd, st = 0;
	pid_t c;
	char *m;

	test_init(argc, argv);
	fd = open("/dev/zero", O_RDWR);
	if (fd < 0)
		test_skip("open /dev/zero: %m");
	m = mmap(NULL, PAGES * ps, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (m == MAP_FAILED)
		test_skip("mmap /dev/zero: %m");
	close(fd);
	for (i = 0; i < PAGES; i += 2)
		mem_fill(m + i * ps, ps, 40 + i);
	test_daemon();
	test_waitsig();

	for (i = 0; i < PAGES; i++) {
		char what[64];

		snprintf(what, sizeof(what), "/dev/zero page %zu", i);
		if (i % 2 == 0) {
			mem_check(what, m + i * ps, ps, 40 + i);
			continue;
		}
		for (size_t k = 0; k < ps; k++)
			if (m[i * ps + k]) {
				fail("%s: byte %zu is 0x%02x, expected 0", what, k,
				     (unsigned char)m[i * ps + k]);
				break;
			}
	}
	c = fork();
	if (c == 0) {
		usleep(100000);
		_exit(m[ps] == 0 ? 0 : 1);
	}
	m[ps] = 'x';
	if (c < 0 || waitpid(c, &st, 0) != c || !WIFEXITED(st) || WEXITSTATUS(st))
		fail("/dev/zero mapping is shared with a child after restore (status 0x%x)", st);
	return test_done();
}
