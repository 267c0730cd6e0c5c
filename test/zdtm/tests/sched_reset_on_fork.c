/*
 * SCHED_RESET_ON_FORK is kept with the policy: the main thread SCHED_OTHER
 * and a second thread SCHED_BATCH, both with the flag, get it back after
 * restore (sched_getscheduler reports policy | SCHED_RESET_ON_FORK).
 */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>

#include "zdtmtst.h"

#ifndef SCHED_RESET_ON_FORK
#define SCHED_RESET_ON_FORK 0x40000000
#endif

static pthread_barrier_t ready, done;
static pid_t batch_tid;

static void *batch_fn(void *arg)
{
	struct sched_param sp = {0};

	batch_tid = gettid();
	if (sched_setscheduler(0, SCHED_BATCH | SCHED_RESET_ON_FORK, &sp))
		fail("thread: sched_setscheduler(SCHED_BATCH | RESET_ON_FORK): %m");
	pthread_barrier_wait(&ready);
	pthread_barrier_wait(&done);
	return NULL;
}

static void check(const char *who, pid_t tid, int want)
{
	int p = sched_getscheduler(tid);

	if (p != want)
		fail("%s (tid %d): sched_getscheduler 0x%x, expected 0x%x (policy %d%s)", who, tid,
		     p, want, want & ~SCHED_RESET_ON_FORK,
		     want & SCHED_RESET_ON_FORK ? " | SCHED_RESET_ON_FORK" : "");
}

int main(int argc, char **argv)
{
	struct sched_param sp = {0};
	sigset_t term;
	pthread_t t;

	test_init(argc, argv);
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	pthread_barrier_init(&ready, NULL, 2);
	pthread_barrier_init(&done, NULL, 2);
	pthread_sigmask(SIG_BLOCK, &term, NULL);
	pthread_create(&t, NULL, batch_fn, NULL);
	pthread_sigmask(SIG_UNBLOCK, &term, NULL);
	pthread_barrier_wait(&ready);
	if (sched_setscheduler(0, SCHED_OTHER | SCHED_RESET_ON_FORK, &sp))
		fail("sched_setscheduler(SCHED_OTHER | RESET_ON_FORK): %m");
	check("main before", gettid(), SCHED_OTHER | SCHED_RESET_ON_FORK);
	test_daemon();
	test_waitsig();

	check("main thread", gettid(), SCHED_OTHER | SCHED_RESET_ON_FORK);
	check("batch thread", batch_tid, SCHED_BATCH | SCHED_RESET_ON_FORK);
	pthread_barrier_wait(&done);
	pthread_join(t, NULL);
	return test_done();
}
