/*
 * Descriptor numbers and flags survive: /dev/null and /dev/zero at high fd
 * numbers, FD_CLOEXEC on one, O_NONBLOCK on another.
 */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "zdtmtst.h"

int main(int argc, char **argv)
{
	char buf[16];
	int n, z, fl;

	test_init(argc, argv);
	n = open("/dev/null", O_WRONLY | O_CLOEXEC);
	z = open("/dev/zero", O_RDONLY | O_NONBLOCK);
	if (n < 0 || z < 0 || dup2(n, 500) < 0 || dup2(z, 777) < 0)
		fail("open/dup2: %m");
	fcntl(777, F_SETFD, FD_CLOEXEC);
	close(n);
	close(z);
	test_daemon();
	test_waitsig();

	if (fcntl(500, F_GETFD) != 0)
		fail("fd 500: FD flags 0x%x, expected 0 (dup2 clears FD_CLOEXEC)",
		     fcntl(500, F_GETFD));
	if (fcntl(777, F_GETFD) != FD_CLOEXEC)
		fail("fd 777: FD flags 0x%x, expected FD_CLOEXEC", fcntl(777, F_GETFD));
	fl = fcntl(777, F_GETFL);
	if (fl < 0 || !(fl & O_NONBLOCK) || (fl & O_ACCMODE) != O_RDONLY)
		fail("fd 777: flags 0%o, expected O_RDONLY|O_NONBLOCK", fl);
	memset(buf, 1, sizeof(buf));
	if (read(777, buf, sizeof(buf)) != sizeof(buf) || buf[0] || buf[15])
		fail("fd 777 does not read zeros like /dev/zero");
	if (write(500, "x", 1) != 1)
		fail("fd 500 does not swallow writes like /dev/null: %m");
	return test_done();
}
