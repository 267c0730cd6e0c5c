/*
 * A child stopped with SIGSTOP stays stopped across checkpoint/restore, and
 * continues normally on SIGCONT.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "zdtmtst.h"

static char proc_state(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return '?';
	buf[0] = 0;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	p = strrchr(buf, ')');
	return p && p[1] ? p[2] : '?';
}

int main(int argc, char **argv)
{
	struct timespec ts = {0, 5 * 1000 * 1000};
	volatile int spin = 1;
	pid_t child;
	int i, st;

	test_init(argc, argv);
	child = fork();
	if (child == 0) {
		raise(SIGSTOP);
		/* Only reached after SIGCONT. */
		exit(spin == 1 ? 33 : 1);
	}
	for (i = 0; i < 1000 && proc_state(child) != 'T'; i++)
		nanosleep(&ts, NULL);
	if (proc_state(child) != 'T')
		fail("child did not stop (state %c)", proc_state(child));
	test_daemon();
	test_waitsig();

	if (proc_state(child) != 'T')
		fail("child %d is in state '%c' after restore, expected 'T' (stopped)", child,
		     proc_state(child));
	if (waitpid(child, &st, WNOHANG) != 0)
		fail("child %d already exited (status 0x%x)", child, st);
	kill(child, SIGCONT);
	st = wait_child(child, 10000);
	if (st < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 33)
		fail("child after SIGCONT: wait status 0x%x, expected exit 33", st);
	return test_done();
}
