/*
 * The kernel's robust futex list of every thread survives: a thread holds a
 * robust mutex across the checkpoint and exits without unlocking it after
 * restore; the kernel must then mark the mutex owner-dead, so the main
 * thread's lock returns EOWNERDEAD instead of timing out. Each thread also
 * checks that get_robust_list gives the head it had before.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "zdtmtst.h"

static pthread_mutex_t m;
static pthread_barrier_t ready, go;

static void *robust_head(void)
{
	void *head = NULL;
	size_t len = 0;

	if (syscall(SYS_get_robust_list, 0, &head, &len))
		fail("get_robust_list: %m");
	return head;
}

static void *thread_fn(void *arg)
{
	void *head;

	if (pthread_mutex_lock(&m))
		fail("thread: cannot lock the robust mutex");
	head = robust_head();
	if (!head)
		fail("thread: no robust list registered before the dump");
	pthread_barrier_wait(&ready);
	pthread_barrier_wait(&go); /* the checkpoint happens while we wait here */
	if (robust_head() != head)
		fail("thread: robust list head %p, was %p", robust_head(), head);
	return NULL; /* still holding m: the kernel must release it as owner-dead */
}

int main(int argc, char **argv)
{
	pthread_mutexattr_t a;
	struct timespec ts;
	pthread_t t;
	sigset_t term;
	void *head;
	int r;

	test_init(argc, argv);
	pthread_mutexattr_init(&a);
	if (pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST) || pthread_mutex_init(&m, &a))
		test_skip("robust mutexes: %m");
	head = robust_head();
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &term, NULL);
	pthread_barrier_init(&ready, NULL, 2);
	pthread_barrier_init(&go, NULL, 2);
	if (pthread_create(&t, NULL, thread_fn, NULL))
		test_skip("pthread_create: %m");
	pthread_sigmask(SIG_UNBLOCK, &term, NULL);
	pthread_barrier_wait(&ready);
	test_daemon();
	test_waitsig();

	if (robust_head() != head)
		fail("main thread: robust list head %p, was %p", robust_head(), head);
	pthread_barrier_wait(&go);
	pthread_join(t, NULL);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 5;
	r = pthread_mutex_timedlock(&m, &ts);
	if (r != EOWNERDEAD)
		fail("lock of the mutex its dead owner held: %s, expected EOWNERDEAD",
		     r ? strerror(r) : "success");
	return test_done();
}
