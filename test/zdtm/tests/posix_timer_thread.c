/*
 * A POSIX timer that signals one thread (SIGEV_THREAD_ID) survives and
 * still signals that thread: after restore every SIGUSR1 of the periodic
 * timer runs its handler in the chosen thread, which keeps its tid.
 */
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "zdtmtst.h"

#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id _sigev_un._tid
#endif

static volatile pid_t target_tid, wrong_tid;
static volatile int ticks, wrong, stop;

static void on_tick(int sig)
{
	pid_t me = gettid();

	if (me == target_tid)
		ticks++;
	else {
		wrong++;
		wrong_tid = me;
	}
}

static void *thread_fn(void *arg)
{
	struct timespec nap = {0, 5 * 1000 * 1000};

	target_tid = gettid();
	while (!stop)
		nanosleep(&nap, NULL);
	return NULL;
}

int main(int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = on_tick, .sa_flags = SA_RESTART};
	struct itimerspec fast = {{0, 20000000}, {0, 20000000}};
	struct timespec nap = {0, 20 * 1000 * 1000};
	struct sigevent ev = {0};
	sigset_t set;
	pthread_t t;
	timer_t tm;
	pid_t tid;
	int before, i;

	test_init(argc, argv);
	sigaction(SIGUSR1, &sa, NULL);
	/* The thread takes no SIGTERM; the main thread takes no SIGUSR1. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	pthread_create(&t, NULL, thread_fn, NULL);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	while (!target_tid)
		nanosleep(&nap, NULL);
	tid = target_tid;
	ev.sigev_notify = SIGEV_THREAD_ID;
	ev.sigev_signo = SIGUSR1;
	ev.sigev_notify_thread_id = tid;
	if (timer_create(CLOCK_MONOTONIC, &ev, &tm))
		test_skip("timer_create(SIGEV_THREAD_ID): %m");
	if (timer_settime(tm, 0, &fast, NULL))
		fail("timer_settime: %m");
	test_daemon();
	test_waitsig();

	if (target_tid != tid)
		fail("the thread's tid changed from %d to %d", tid, target_tid);
	before = ticks;
	wrong = 0;
	for (i = 0; i < 100 && ticks < before + 3; i++)
		nanosleep(&nap, NULL);
	if (ticks < before + 3)
		fail("timer stopped signalling thread %d: %d ticks in 2 s", tid, ticks - before);
	if (wrong)
		fail("%d timer signals ran in thread %d instead of %d", wrong, wrong_tid, tid);
	stop = 1;
	pthread_join(t, NULL);
	return test_done();
}
