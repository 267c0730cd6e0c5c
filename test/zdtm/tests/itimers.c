/*
 * Interval timers survive: ITIMER_REAL/VIRTUAL/PROF keep their intervals and
 * a remaining value no larger than before; a fast ITIMER_REAL keeps firing.
 */
#include <signal.h>
#include <sys/time.h>
#include <time.h>

#include "zdtmtst.h"

static volatile int alarms;

static void on_alarm(int sig)
{
	alarms++;
}

static double tv(const struct timeval *t)
{
	return t->tv_sec + t->tv_usec / 1e6;
}

static void check(const char *name, int which, double interval, double max)
{
	struct itimerval now;

	getitimer(which, &now);
	if (tv(&now.it_interval) != interval)
		fail("%s: interval %.6f, expected %.6f", name, tv(&now.it_interval), interval);
	if (tv(&now.it_value) <= 0 || tv(&now.it_value) > max + 0.02) /* tick rounding */
		fail("%s: value %.6f, expected in (0, %.6f]", name, tv(&now.it_value), max);
}

int main(int argc, char **argv)
{
	struct itimerval real = {{0, 50000}, {0, 50000}};
	struct itimerval virt = {{1000, 0}, {2000, 0}};
	struct itimerval prof = {{3000, 250000}, {4000, 0}};
	struct timespec ts = {0, 20 * 1000 * 1000};
	int before, i;

	test_init(argc, argv);
	signal(SIGALRM, on_alarm);
	if (setitimer(ITIMER_REAL, &real, NULL) || setitimer(ITIMER_VIRTUAL, &virt, NULL) ||
	    setitimer(ITIMER_PROF, &prof, NULL))
		fail("setitimer: %m");
	test_daemon();
	test_waitsig();

	check("ITIMER_REAL", ITIMER_REAL, 0.05, 0.05);
	check("ITIMER_VIRTUAL", ITIMER_VIRTUAL, 1000, 2000);
	check("ITIMER_PROF", ITIMER_PROF, 3000.25, 4000);
	before = alarms;
	for (i = 0; i < 50 && alarms < before + 2; i++)
		nanosleep(&ts, NULL);
	if (alarms < before + 2)
		fail("ITIMER_REAL stopped firing: %d alarms in 1 s", alarms - before);
	return test_done();
}
