/*
 * The parent-death signal (per thread) and the child-subreaper flag (per
 * process) survive: the root is a subreaper with no parent-death signal, its
 * child asks for SIGUSR2 when the root dies and a second thread of the child
 * for SIGUSR1. Each thread reads its own values with PR_GET_* after restore.
 * The child runs as uid/gid 65534: restoring its credentials clears the
 * signals (commit_creds), so they must be set after them.
 */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

#define NOBODY 65534

#include "zdtmtst.h"

static int go[2];

static void check(const char *who, int want_pdeath, int want_subreaper)
{
	int sig = -1, sub = -1;

	if (prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0))
		fail("%s: PR_GET_PDEATHSIG: %m", who);
	else if (sig != want_pdeath)
		fail("%s: parent-death signal is %d, expected %d", who, sig, want_pdeath);
	if (prctl(PR_GET_CHILD_SUBREAPER, &sub, 0, 0, 0))
		fail("%s: PR_GET_CHILD_SUBREAPER: %m", who);
	else if (sub != want_subreaper)
		fail("%s: child subreaper is %d, expected %d", who, sub, want_subreaper);
}

/* The child's second thread: SIGTERM blocked, checks itself when told to. */
static void *worker(void *arg)
{
	int *ready = arg;
	char c;

	if (prctl(PR_SET_PDEATHSIG, SIGUSR1, 0, 0, 0))
		fail("worker: PR_SET_PDEATHSIG: %m");
	if (write(*ready, "r", 1) != 1)
		fail("worker: ready: %m");
	while (read(go[0], &c, 1) < 0)
		; /* the checkpoint happens here; EINTR only */
	check("child's thread", SIGUSR1, 0);
	return NULL;
}

static void child(int ready_fd)
{
	pthread_t th;
	sigset_t term;

	if (setresgid(NOBODY, NOBODY, NOBODY) || setresuid(NOBODY, NOBODY, NOBODY))
		fail("child: becoming uid/gid %d: %m", NOBODY);
	if (prctl(PR_SET_PDEATHSIG, SIGUSR2, 0, 0, 0))
		fail("child: PR_SET_PDEATHSIG: %m");
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &term, NULL);
	if (pthread_create(&th, NULL, worker, &ready_fd)) {
		fail("pthread_create: %m");
		exit(1);
	}
	pthread_sigmask(SIG_UNBLOCK, &term, NULL);
	test_waitsig();
	check("child", SIGUSR2, 0);
	if (write(go[1], "g", 1) != 1)
		fail("child: waking its thread: %m");
	pthread_join(th, NULL);
	exit(test_failures() ? 1 : 0);
}

int main(int argc, char **argv)
{
	int ready[2], st;
	pid_t pid;
	char c;

	test_init(argc, argv);
	if (geteuid())
		test_skip("needs root to run the child as uid %d", NOBODY);
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0))
		test_skip("PR_SET_CHILD_SUBREAPER: %m");
	if (pipe(ready) || pipe(go))
		test_skip("pipe: %m");
	pid = fork();
	if (pid < 0)
		test_skip("fork: %m");
	if (pid == 0)
		child(ready[1]);
	if (read(ready[0], &c, 1) != 1)
		fail("child %d did not start its thread", pid);
	test_daemon();
	test_waitsig();

	check("root", 0, 1);
	kill(pid, SIGTERM);
	st = wait_child(pid, 10000);
	if (st != 0)
		fail("child %d: wait status 0x%x, expected exit 0", pid, st);
	return test_done();
}
