/*
 * POSIX timers survive with their ids: a periodic CLOCK_MONOTONIC timer keeps
 * signalling with its sigev_value, a long one-shot keeps its remaining time.
 */
#include <signal.h>
#include <time.h>

#include "zdtmtst.h"

static volatile int ticks, bad_value;

static void on_tick(int sig, siginfo_t *si, void *uc)
{
	if (si->si_value.sival_int != 0xabc)
		bad_value = si->si_value.sival_int;
	ticks++;
}

static double ts(const struct timespec *t)
{
	return t->tv_sec + t->tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct sigaction sa = {.sa_sigaction = on_tick, .sa_flags = SA_SIGINFO | SA_RESTART};
	struct sigevent ev = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1};
	struct itimerspec fast = {{0, 20000000}, {0, 20000000}};
	struct itimerspec slow = {{0, 0}, {3600, 0}}, now;
	struct timespec nap = {0, 20 * 1000 * 1000};
	timer_t t_fast, t_slow;
	int before, i;

	test_init(argc, argv);
	sigaction(SIGUSR1, &sa, NULL);
	ev.sigev_value.sival_int = 0xabc;
	if (timer_create(CLOCK_MONOTONIC, &ev, &t_fast))
		test_skip("timer_create: %m");
	ev.sigev_signo = SIGUSR2;
	signal(SIGUSR2, SIG_IGN);
	if (timer_create(CLOCK_REALTIME, &ev, &t_slow) || timer_settime(t_fast, 0, &fast, NULL) ||
	    timer_settime(t_slow, 0, &slow, NULL))
		fail("timer setup: %m");
	test_daemon();
	test_waitsig();

	if (timer_gettime(t_slow, &now))
		fail("timer %p (slow) is gone: %m", t_slow);
	else if (ts(&now.it_value) <= 0 || ts(&now.it_value) > 3600 || ts(&now.it_interval) != 0)
		fail("slow timer: value %.3f interval %.3f, expected (0, 3600] and 0",
		     ts(&now.it_value), ts(&now.it_interval));
	if (timer_gettime(t_fast, &now))
		fail("timer %p (fast) is gone: %m", t_fast);
	else if (ts(&now.it_interval) != 0.02)
		fail("fast timer: interval %.6f, expected 0.02", ts(&now.it_interval));
	before = ticks;
	for (i = 0; i < 100 && ticks < before + 3; i++)
		nanosleep(&nap, NULL);
	if (ticks < before + 3)
		fail("fast timer stopped: %d ticks in 2 s", ticks - before);
	if (bad_value)
		fail("timer signal carried sival_int 0x%x, expected 0xabc", bad_value);
	return test_done();
}
