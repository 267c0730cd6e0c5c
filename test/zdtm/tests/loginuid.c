/*
 * The audit login uid (/proc/self/loginuid) survives. Root may set it once
 * while it is unset (and again with CAP_AUDIT_CONTROL unless the kernel made
 * it immutable); the test sets 4321 and checks it after restore.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zdtmtst.h"

#define WANT 4321u

static long read_loginuid(void)
{
	char buf[32] = {0};
	int fd = open("/proc/self/loginuid", O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? (long)strtoul(buf, NULL, 10) : -1;
}

int main(int argc, char **argv)
{
	char buf[16];
	long v;
	int fd, n;

	test_init(argc, argv);
	if (read_loginuid() < 0)
		test_skip("no /proc/self/loginuid (CONFIG_AUDIT)");
	fd = open("/proc/self/loginuid", O_WRONLY);
	n = snprintf(buf, sizeof(buf), "%u", WANT);
	if (fd < 0 || write(fd, buf, (size_t)n) != n)
		test_skip("cannot set loginuid here: %s", strerror(errno));
	close(fd);
	if (read_loginuid() != WANT)
		fail("loginuid %ld after setting %u", read_loginuid(), WANT);
	test_daemon();
	test_waitsig();

	v = read_loginuid();
	if (v != WANT)
		fail("loginuid is %ld after restore, expected %u", v, WANT);
	return test_done();
}
