/* The working directory survives; relative paths resolve in it. */
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zdtmtst.h"

int main(int argc, char **argv)
{
	char want[PATH_MAX], now[PATH_MAX];
	int fd;

	test_init(argc, argv);
	if (mkdir(test_path("cwd.dir"), 0755) || chdir(test_path("cwd.dir")))
		fail("mkdir/chdir: %m");
	fd = open("marker", O_CREAT | O_WRONLY, 0644);
	if (fd < 0)
		fail("create marker: %m");
	close(fd);
	if (!getcwd(want, sizeof(want)))
		fail("getcwd: %m");
	test_daemon();
	test_waitsig();

	if (!getcwd(now, sizeof(now)))
		fail("getcwd after restore: %m");
	else if (strcmp(now, want))
		fail("cwd is '%s', expected '%s'", now, want);
	if (access("marker", F_OK))
		fail("relative path 'marker' does not resolve in the cwd: %m");
	return test_done();
}
