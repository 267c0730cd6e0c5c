/* Each thread keeps its own blocked signal mask. */
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include "zdtmtst.h"

static int ready[2], go[2];

static int masks_equal(const sigset_t *a, const sigset_t *b)
{
	int s;

	for (s = 1; s < NSIG; s++)
		if (sigismember(a, s) != sigismember(b, s))
			return s;
	return 0;
}

static void *thread_fn(void *arg)
{
	sigset_t want, now;
	char c;
	int s;

	sigemptyset(&want);
	sigaddset(&want, SIGUSR2);
	sigaddset(&want, SIGRTMIN + 5);
	sigaddset(&want, SIGTERM); /* the thread must not take the runner's SIGTERM */
	pthread_sigmask(SIG_SETMASK, &want, NULL);
	if (write(ready[1], "x", 1) != 1 || read(go[0], &c, 1) != 1)
		fail("thread: sync pipe: %m");
	pthread_sigmask(SIG_SETMASK, NULL, &now);
	s = masks_equal(&want, &now);
	if (s)
		fail("thread: signal %d is %sblocked after restore", s,
		     sigismember(&now, s) ? "" : "not ");
	return NULL;
}

int main(int argc, char **argv)
{
	sigset_t want, now;
	pthread_t t;
	char c;
	int s;

	test_init(argc, argv);
	sigemptyset(&want);
	sigaddset(&want, SIGUSR1);
	sigaddset(&want, SIGHUP);
	sigaddset(&want, SIGRTMAX);
	sigprocmask(SIG_SETMASK, &want, NULL);
	if (pipe(ready) || pipe(go) || pthread_create(&t, NULL, thread_fn, NULL) ||
	    read(ready[0], &c, 1) != 1) {
		fail("start the thread: %m");
		return test_done();
	}
	test_daemon();
	test_waitsig();

	sigprocmask(SIG_SETMASK, NULL, &now);
	s = masks_equal(&want, &now);
	if (s)
		fail("main: signal %d is %sblocked after restore", s,
		     sigismember(&now, s) ? "" : "not ");
	if (write(go[1], "x", 1) != 1)
		fail("wake the thread: %m");
	pthread_join(t, NULL);
	return test_done();
}
