/*
 * Each open file description of a pipe keeps its own flags: the read end
 * reopened through /proc/self/fd is a second description, made O_NONBLOCK
 * alone; a dup() of the first still shares the first's description.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kcmp.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "zdtmtst.h"

static int same_file(int a, int b)
{
	return syscall(SYS_kcmp, getpid(), getpid(), KCMP_FILE, a, b) == 0;
}

static int reopen(int fd, int flags)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return open(path, flags);
}

int main(int argc, char **argv)
{
	char buf[16] = "";
	int p[2], r2, w2, d;

	test_init(argc, argv);
	if (pipe(p))
		fail("pipe: %m");
	r2 = reopen(p[0], O_RDONLY);
	w2 = reopen(p[1], O_WRONLY);
	d = dup(p[0]);
	if (r2 < 0 || w2 < 0 || d < 0)
		fail("reopen/dup: %m");
	if (fcntl(r2, F_SETFL, O_NONBLOCK))
		fail("F_SETFL: %m");
	if (write(p[1], "abc", 3) != 3)
		fail("write: %m");
	test_daemon();
	test_waitsig();

	if (fcntl(p[0], F_GETFL) & O_NONBLOCK)
		fail("the first read description became O_NONBLOCK (0%o)", fcntl(p[0], F_GETFL));
	if (!(fcntl(r2, F_GETFL) & O_NONBLOCK))
		fail("the reopened read description lost O_NONBLOCK (0%o)", fcntl(r2, F_GETFL));
	if (fcntl(d, F_GETFL) != fcntl(p[0], F_GETFL))
		fail("dup flags 0%o differ from 0%o", fcntl(d, F_GETFL), fcntl(p[0], F_GETFL));
	if (!same_file(d, p[0]))
		fail("the dup no longer shares the first description");
	if (same_file(r2, p[0]) || same_file(w2, p[1]))
		fail("the reopened ends share a description with the first ones");
	if (read(r2, buf, sizeof(buf)) != 3 || memcmp(buf, "abc", 3))
		fail("data before the dump: '%.3s' (%m)", buf);
	if (read(r2, buf, sizeof(buf)) != -1 || errno != EAGAIN)
		fail("an empty O_NONBLOCK read did not give EAGAIN: %m");
	if (write(w2, "xyz", 3) != 3 || read(d, buf, sizeof(buf)) != 3 || memcmp(buf, "xyz", 3))
		fail("data through the reopened write end and the dup: '%.3s' (%m)", buf);
	return test_done();
}
