/*
 * A process holding a terminal that is no pseudo-terminal (the system
 * console with the default arguments, a virtual terminal with dev=/dev/tty1):
 * criu-lite refuses it by name (MAY_REFUSE); a tool that dumps it must give
 * the same device back.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "zdtmtst.h"

int main(int argc, char **argv)
{
	const char *path;
	struct stat a, b;
	int fd;

	test_init(argc, argv);
	path = test_arg("dev", "/dev/console");
	fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &a))
		test_skip("cannot open the terminal");
	test_daemon();
	test_waitsig();
	if (fstat(fd, &b) || b.st_rdev != a.st_rdev)
		fail("fd on %u:%u, want %s (%u:%u)", major(b.st_rdev), minor(b.st_rdev), path,
		     major(a.st_rdev), minor(a.st_rdev));
	return test_done();
}
