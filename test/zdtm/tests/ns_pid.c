/*
 * The root as the init of its own pid namespace (--ns=pid): after restore it
 * is pid 1 there with no parent (getppid() 0), its child keeps pid 2 and its
 * parent 1, the child's second thread keeps its tid, and a signal from the
 * init to the child's pid still reaches the child.
 */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

static pid_t thread_tid;
static volatile sig_atomic_t got_usr1;

static void on_usr1(int sig)
{
	got_usr1 = 1;
}

static void *thread_main(void *arg)
{
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	__atomic_store_n(&thread_tid, (pid_t)syscall(SYS_gettid), __ATOMIC_RELEASE);
	for (;;)
		pause();
	return NULL;
}

static void child(int ready)
{
	pthread_t th;
	pid_t tid0;

	signal(SIGUSR1, on_usr1);
	if (pthread_create(&th, NULL, thread_main, NULL))
		exit(2);
	while (!(tid0 = __atomic_load_n(&thread_tid, __ATOMIC_ACQUIRE)))
		usleep(1000);
	close(ready); /* the thread exists with its mask: the tree may be looked at */
	test_waitsig();
	if (getpid() != 2 || getppid() != 1)
		fail("child: pid %d parent %d, want 2 and 1", getpid(), getppid());
	if (syscall(SYS_tgkill, getpid(), tid0, 0))
		fail("child: its thread %d is gone: %m", tid0);
	for (int i = 0; i < 1000 && !got_usr1; i++)
		usleep(1000);
	if (!got_usr1)
		fail("child: SIGUSR1 from the init never came");
	exit(test_failures() ? 1 : 0);
}

int main(int argc, char **argv)
{
	pid_t pid;
	int st, p[2];
	char c;

	test_init(argc, argv);
	if (getpid() != 1)
		test_skip("not the init of a pid namespace (--ns=pid): pid %d", getpid());
	if (pipe(p))
		test_skip("pipe: %m");
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		child(p[1]);
	}
	close(p[1]);
	if (read(p[0], &c, 1) != 0)
		fail("child not ready");
	close(p[0]);
	if (pid != 2)
		fail("first child got pid %d, want 2", pid);
	test_daemon();
	test_waitsig();

	if (getpid() != 1 || getppid() != 0)
		fail("root: pid %d parent %d, want 1 and 0 (the init of its pid namespace)",
		     getpid(), getppid());
	if (kill(2, SIGUSR1))
		fail("kill(2, SIGUSR1): %m");
	kill(pid, SIGTERM);
	st = wait_child(pid, 10000);
	if (st < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
		fail("child: wait status 0x%x, expected exit 0", st);
	return test_done();
}
