/*
 * 10,000 descriptors (fewer when the hard RLIMIT_NOFILE is lower), half at
 * the lowest numbers and half right below the limit, come back at their
 * numbers: each pair of fds (one low, one high, in reverse order) shares one
 * open file description, told apart by its offset; FD_CLOEXEC, the access
 * mode and O_NONBLOCK per fd. The restore must fit the process's own limit.
 */
#include <fcntl.h>
#include <linux/kcmp.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "zdtmtst.h"

#define FDS_WANTED 10000
#define FDS_MAX_LIMIT 65536

/* Above the library's own fds (the ready pipe, closed by test_daemon). */
static int lo_fd(int k)
{
	return 16 + k;
}

static int hi_fd(int k, int lim)
{
	return lim - 1 - k;
}

static int cloexec_of(int fd)
{
	return fd % 5 == 0 ? FD_CLOEXEC : 0;
}

static int open_pair(const char *path, int k, int lim)
{
	int fl = k % 2 ? O_RDONLY | O_NONBLOCK : O_RDWR;
	int fd = open(path, fl);

	if (fd < 0 || lseek(fd, k, SEEK_SET) != k)
		return -1;
	if (fd != lo_fd(k) && (dup2(fd, lo_fd(k)) < 0 || close(fd)))
		return -1;
	if (dup2(lo_fd(k), hi_fd(k, lim)) < 0)
		return -1;
	if (fcntl(lo_fd(k), F_SETFD, cloexec_of(lo_fd(k))) ||
	    fcntl(hi_fd(k, lim), F_SETFD, cloexec_of(hi_fd(k, lim))))
		return -1;
	return 0;
}

static void check_fd(int fd, int k)
{
	int want = k % 2 ? O_RDONLY | O_NONBLOCK : O_RDWR;
	int fl = fcntl(fd, F_GETFL), fdfl = fcntl(fd, F_GETFD);
	off_t pos = lseek(fd, 0, SEEK_CUR);

	if (fl < 0 || fdfl < 0) {
		fail("fd %d (pair %d) is not open: %m", fd, k);
		return;
	}
	if ((fl & (O_ACCMODE | O_NONBLOCK)) != want)
		fail("fd %d (pair %d): flags 0%o, expected 0%o", fd, k,
		     fl & (O_ACCMODE | O_NONBLOCK), want);
	if (fdfl != cloexec_of(fd))
		fail("fd %d (pair %d): FD flags 0x%x, expected 0x%x", fd, k, fdfl, cloexec_of(fd));
	if (pos != k)
		fail("fd %d (pair %d): offset %lld, expected %d (another description)", fd, k,
		     (long long)pos, k);
}

int main(int argc, char **argv)
{
	struct rlimit rl;
	int lim, pairs, fd, bad = 0;
	pid_t me;

	test_init(argc, argv);
	if (getrlimit(RLIMIT_NOFILE, &rl))
		fail("getrlimit: %m");
	lim = rl.rlim_max > FDS_MAX_LIMIT ? FDS_MAX_LIMIT : (int)rl.rlim_max;
	pairs = (lim - 64) / 2 < FDS_WANTED / 2 ? (lim - 64) / 2 : FDS_WANTED / 2;
	rl.rlim_cur = rl.rlim_max = (rlim_t)lim;
	if (pairs < 100 || setrlimit(RLIMIT_NOFILE, &rl))
		test_skip("RLIMIT_NOFILE too low for many fds");
	fd = open(test_path("file"), O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || ftruncate(fd, 8192) || close(fd))
		fail("create %s: %m", test_path("file"));
	for (int k = 0; k < pairs; k++)
		if (open_pair(test_path("file"), k, lim) && !bad++)
			fail("pair %d (fds %d, %d): %m", k, lo_fd(k), hi_fd(k, lim));
	test_msg("%d fds, %d..%d and %d..%d, limit %d", 2 * pairs, lo_fd(0), lo_fd(pairs - 1),
		 hi_fd(pairs - 1, lim), hi_fd(0, lim), lim);
	test_daemon();
	test_waitsig();

	me = getpid();
	for (int k = 0; k < pairs; k++) {
		check_fd(lo_fd(k), k);
		check_fd(hi_fd(k, lim), k);
		if (syscall(SYS_kcmp, me, me, KCMP_FILE, lo_fd(k), hi_fd(k, lim)))
			fail("fds %d and %d no longer share one description", lo_fd(k),
			     hi_fd(k, lim));
	}
	for (fd = lo_fd(pairs); fd < hi_fd(pairs - 1, lim); fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			fail("fd %d is open, it was not before", fd);
	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur != (rlim_t)lim)
		fail("RLIMIT_NOFILE %llu, expected %d", (unsigned long long)rl.rlim_cur, lim);
	return test_done();
}
