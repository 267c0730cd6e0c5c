/*
 * Tasks sleeping in nanosleep: a long sleep is neither cut short nor
 * restarted from scratch (its remaining time only shrinks), and a thread in
 * a loop of short sleeps keeps ticking after restore.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>

#include "zdtmtst.h"

static volatile int long_done, long_errno, ticks;
static volatile double long_rem;

static void on_usr1(int sig)
{
}

static void *long_sleeper(void *arg)
{
	struct timespec t = {3600, 0}, rem = {0, 0};
	int r = nanosleep(&t, &rem);

	long_errno = r ? errno : 0;
	long_rem = rem.tv_sec + rem.tv_nsec / 1e9;
	long_done = 1;
	return NULL;
}

static void *ticker(void *arg)
{
	struct timespec t = {0, 10 * 1000 * 1000};

	while (!*(volatile int *)arg) {
		nanosleep(&t, NULL);
		ticks++;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct timespec nap = {0, 20 * 1000 * 1000};
	volatile int stop_ticker = 0;
	pthread_t l, k;
	sigset_t term;
	int before, i;

	test_init(argc, argv);
	signal(SIGUSR1, on_usr1);
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &term, NULL);
	pthread_create(&l, NULL, long_sleeper, NULL);
	pthread_create(&k, NULL, ticker, (void *)&stop_ticker);
	pthread_sigmask(SIG_UNBLOCK, &term, NULL);
	nanosleep(&nap, NULL);
	test_daemon();
	test_waitsig();

	if (long_done)
		fail("the 1 h nanosleep returned early (errno %d)", long_errno);
	pthread_kill(l, SIGUSR1);
	pthread_join(l, NULL);
	if (long_errno != EINTR || long_rem <= 0 || long_rem > 3600)
		fail("long nanosleep: errno %d remaining %.3f s, expected EINTR and (0, 3600]",
		     long_errno, long_rem);
	before = ticks;
	for (i = 0; i < 100 && ticks < before + 5; i++)
		nanosleep(&nap, NULL);
	if (ticks < before + 5)
		fail("ticker thread stopped: %d ticks in 2 s", ticks - before);
	stop_ticker = 1;
	pthread_join(k, NULL);
	return test_done();
}
