/*
 * Scheduling attributes are per thread and survive: the main thread at nice 5,
 * one thread SCHED_BATCH at nice 9, one SCHED_RR at real-time priority 3
 * (checked only where we may set it). The main thread checks every thread's
 * policy, priority and nice after restore.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include "zdtmtst.h"

struct th {
	pthread_t t;
	pid_t tid;
	int policy, prio, nice;
	int set; /* 0 not yet, 1 set, -1 not permitted (RR) */
};

static pthread_barrier_t ready, go;

static void *thread_fn(void *arg)
{
	struct th *th = arg;
	struct sched_param sp = {.sched_priority = th->prio};

	th->tid = gettid();
	th->set = 1;
	if (sched_setscheduler(0, th->policy, &sp))
		th->set = errno == EPERM ? -1 : 0;
	if (th->set > 0 && setpriority(PRIO_PROCESS, 0, th->nice))
		th->set = 0;
	pthread_barrier_wait(&ready);
	pthread_barrier_wait(&go); /* the checkpoint happens while we wait here */
	return NULL;
}

static void check(const char *who, pid_t tid, int policy, int prio, int nice)
{
	struct sched_param sp;
	int p, n;

	p = sched_getscheduler(tid);
	if (p != policy)
		fail("%s (tid %d): policy %d, expected %d", who, tid, p, policy);
	if (sched_getparam(tid, &sp))
		fail("%s (tid %d): sched_getparam: %m", who, tid);
	else if (sp.sched_priority != prio)
		fail("%s (tid %d): priority %d, expected %d", who, tid, sp.sched_priority, prio);
	errno = 0;
	n = getpriority(PRIO_PROCESS, (id_t)tid);
	if (errno)
		fail("%s (tid %d): getpriority: %m", who, tid);
	else if (n != nice)
		fail("%s (tid %d): nice %d, expected %d", who, tid, n, nice);
}

int main(int argc, char **argv)
{
	struct th ths[2] = {{.policy = SCHED_BATCH, .nice = 9}, {.policy = SCHED_RR, .prio = 3}};
	sigset_t term;

	test_init(argc, argv);
	if (setpriority(PRIO_PROCESS, 0, 5))
		test_skip("setpriority: %m");
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &term, NULL);
	pthread_barrier_init(&ready, NULL, 3);
	pthread_barrier_init(&go, NULL, 3);
	for (int i = 0; i < 2; i++)
		if (pthread_create(&ths[i].t, NULL, thread_fn, &ths[i]))
			test_skip("pthread_create: %m");
	pthread_sigmask(SIG_UNBLOCK, &term, NULL);
	pthread_barrier_wait(&ready);
	if (!ths[0].set)
		fail("cannot set SCHED_BATCH, nice 9: %m");
	if (ths[1].set < 0)
		test_msg("SCHED_RR not permitted here: that thread is not checked\n");
	test_daemon();
	test_waitsig();

	check("main thread", gettid(), SCHED_OTHER, 0, 5);
	check("batch thread", ths[0].tid, SCHED_BATCH, 0, 9);
	if (ths[1].set > 0)
		check("round-robin thread", ths[1].tid, SCHED_RR, 3, ths[1].nice);
	pthread_barrier_wait(&go);
	for (int i = 0; i < 2; i++)
		pthread_join(ths[i].t, NULL);
	return test_done();
}
