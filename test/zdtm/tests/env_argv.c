/* argv and the environment (the mm's arg/env areas) survive checkpoint/restore. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>

#include "zdtmtst.h"

static size_t read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, len);

	if (fd >= 0)
		close(fd);
	return n < 0 ? 0 : (size_t)n;
}

static void check_area(const char *what, const char *path, const char *old, size_t len)
{
	static char now[65536];
	size_t n = read_file(path, now, sizeof(now));
	size_t i;

	if (n != len) {
		fail("%s: %zu bytes before, %zu after", what, len, n);
		return;
	}
	for (i = 0; i < n; i++)
		if (now[i] != old[i]) {
			fail("%s: byte %zu differs: 0x%02x, expected 0x%02x", what, i,
			     (unsigned char)now[i], (unsigned char)old[i]);
			return;
		}
}

int main(int argc, char **argv)
{
	static char cmdline[65536], environ_[65536];
	char *saved_argv0;
	size_t ncmd, nenv;
	const char *v;

	setenv("ZDTM_ENV_ARGV", "value-before-checkpoint", 1);
	test_init(argc, argv);
	saved_argv0 = strdup(argv[0]);
	ncmd = read_file("/proc/self/cmdline", cmdline, sizeof(cmdline));
	nenv = read_file("/proc/self/environ", environ_, sizeof(environ_));
	test_daemon();
	test_waitsig();

	if (strcmp(argv[0], saved_argv0))
		fail("argv[0] is '%s', expected '%s'", argv[0], saved_argv0);
	v = getenv("ZDTM_ENV_ARGV");
	if (!v || strcmp(v, "value-before-checkpoint"))
		fail("getenv(ZDTM_ENV_ARGV) = '%s'", v ? v : "(null)");
	check_area("/proc/self/cmdline", "/proc/self/cmdline", cmdline, ncmd);
	check_area("/proc/self/environ", "/proc/self/environ", environ_, nenv);
	return test_done();
}
