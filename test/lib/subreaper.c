/*
 * subreaper CMD [ARG...]: runs CMD as a child subreaper and reaps every
 * orphan it adopts as soon as it exits; exits with CMD's status.
 *
 * Integration tests kill trees with dump and restore them at the same pids:
 * a killing dump waits until each pid is free, that is until the parent
 * has reaped it. A test's targets are orphans; without a subreaper their
 * parent is pid 1, which on some machines (containers, sandboxes) reaps
 * only every second or so.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile pid_t child;

static void forward(int sig)
{
	if (child > 0)
		kill(child, sig);
}

int main(int argc, char **argv)
{
	int status = 0;
	pid_t pid;

	if (argc < 2) {
		fprintf(stderr, "usage: subreaper CMD [ARG...]\n");
		return 2;
	}
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0))
		perror("subreaper: PR_SET_CHILD_SUBREAPER");
	pid = fork();
	if (pid < 0) {
		perror("subreaper: fork");
		return 2;
	}
	if (pid == 0) {
		/* ctest's timeout kill of the subreaper still reaches the test */
		prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);
		execvp(argv[1], argv + 1);
		fprintf(stderr, "subreaper: %s: %s\n", argv[1], strerror(errno));
		_exit(127);
	}
	child = pid;
	signal(SIGTERM, forward);
	signal(SIGINT, forward);
	signal(SIGHUP, forward);
	for (;;) {
		int st;
		pid_t w = waitpid(-1, &st, 0);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			break;
		if (w == pid) {
			status = st;
			break;
		}
	}
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
