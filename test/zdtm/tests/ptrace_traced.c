/*
 * A child traced by its parent (PTRACE_TRACEME, then running under the
 * trace): criu-lite cannot take over a tracer's place, so the dump must be
 * refused naming the traced process and its tracer, with the tree left
 * running; the child still answers the tracer afterwards.
 */
#include <signal.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

int main(int argc, char **argv)
{
	pid_t child;
	int st;

	test_init(argc, argv);
	child = fork();
	if (child == 0) {
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL))
			_exit(2);
		raise(SIGSTOP);
		for (;;)
			pause();
	}
	if (waitpid(child, &st, 0) != child || !WIFSTOPPED(st))
		fail("child did not stop for its tracer (0x%x)", st);
	if (ptrace(PTRACE_CONT, child, NULL, NULL))
		fail("PTRACE_CONT: %m");
	test_daemon();
	test_waitsig();

	if (kill(child, SIGUSR1))
		fail("child %d is gone: %m", child);
	else if (waitpid(child, &st, 0) != child || !WIFSTOPPED(st) || WSTOPSIG(st) != SIGUSR1)
		fail("child %d: no signal-delivery stop for its tracer (0x%x)", child, st);
	kill(child, SIGKILL);
	ptrace(PTRACE_CONT, child, NULL, NULL);
	waitpid(child, &st, 0);
	return test_done();
}
