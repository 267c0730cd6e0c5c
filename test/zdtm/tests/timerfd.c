/* timerfds keep their clock, interval and remaining time, and keep expiring. */
#include <stdint.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "zdtmtst.h"

static double ts(const struct timespec *t)
{
	return t->tv_sec + t->tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct itimerspec slow = {{100, 0}, {3600, 0}};
	struct itimerspec fast = {{0, 10000000}, {0, 10000000}}, now;
	struct timespec nap = {0, 50 * 1000 * 1000};
	uint64_t n = 0;
	int fs, ff;

	test_init(argc, argv);
	fs = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	ff = timerfd_create(CLOCK_BOOTTIME, TFD_NONBLOCK);
	if (fs < 0 || ff < 0)
		test_skip("timerfd_create: %m");
	if (timerfd_settime(fs, 0, &slow, NULL) || timerfd_settime(ff, 0, &fast, NULL))
		fail("timerfd_settime: %m");
	test_daemon();
	test_waitsig();

	if (timerfd_gettime(fs, &now))
		fail("slow timerfd: %m");
	else if (ts(&now.it_interval) != 100 || ts(&now.it_value) <= 0 || ts(&now.it_value) > 3600)
		fail("slow timerfd: value %.3f interval %.3f, expected (0, 3600] and 100",
		     ts(&now.it_value), ts(&now.it_interval));
	if (timerfd_gettime(ff, &now) || ts(&now.it_interval) != 0.01)
		fail("fast timerfd: interval %.6f, expected 0.01", ts(&now.it_interval));
	if (read(ff, &n, 8) != 8 || n == 0)
		fail("fast timerfd: no expirations since the restore");
	nanosleep(&nap, NULL);
	if (read(ff, &n, 8) != 8 || n == 0)
		fail("fast timerfd stopped expiring");
	if (read(fs, &n, 8) != -1)
		fail("slow timerfd expired early");
	return test_done();
}
