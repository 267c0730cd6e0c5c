/*
 * nouffd-wrap COMMAND [ARGS...]: runs COMMAND with userfaultfd() and the
 * PAGEMAP_SCAN ioctl failing with ENOSYS (seccomp), so that criu-lite and its
 * targets see a kernel without them. Used by the fallback tests: under it,
 * --tracker=auto must pick digest (or soft-dirty where that validates) and
 * an incremental chain must still lose nothing.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "nouffd-filter.h"

int main(int argc, char **argv)
{
	int ret;

	if (argc < 2) {
		fprintf(stderr, "usage: %s COMMAND [ARGS...]\n", argv[0]);
		return 2;
	}
	ret = nouffd_install();
	if (ret) {
		fprintf(stderr, "nouffd-wrap: seccomp: %s\n", strerror(-ret));
		return 1;
	}
	execvp(argv[1], argv + 1);
	fprintf(stderr, "nouffd-wrap: %s: %m\n", argv[1]);
	return 127;
}
