/*
 * A thread sleeping in FUTEX_WAIT keeps waiting on the same word across the
 * checkpoint and wakes up when the main thread changes it and calls FUTEX_WAKE.
 */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "zdtmtst.h"

static volatile int word, waiting, woke_with = -1;

static void *waiter(void *arg)
{
	waiting = 1;
	while (word == 0) {
		long r = syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);

		if (r < 0 && errno != EINTR && errno != EAGAIN) {
			fail("FUTEX_WAIT: %m");
			break;
		}
	}
	woke_with = word;
	return NULL;
}

int main(int argc, char **argv)
{
	struct timespec ts = {0, 1000 * 1000};
	pthread_t t;
	sigset_t term;
	int i;

	test_init(argc, argv);
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &term, NULL);
	pthread_create(&t, NULL, waiter, NULL);
	pthread_sigmask(SIG_UNBLOCK, &term, NULL);
	for (i = 0; i < 1000 && !waiting; i++)
		nanosleep(&ts, NULL);
	nanosleep(&ts, NULL);
	test_daemon();
	test_waitsig();

	if (woke_with != -1)
		fail("waiter left FUTEX_WAIT before the wake (saw %d)", woke_with);
	word = 77;
	syscall(SYS_futex, &word, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
	pthread_join(t, NULL);
	if (woke_with != 77)
		fail("waiter woke with %d, expected 77", woke_with);
	return test_done();
}
