/*
 * A pipe shared between parent and child stays one pipe: data buffered before
 * the checkpoint and data the child writes after restore reach the parent.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zdtmtst.h"

int main(int argc, char **argv)
{
	char buf[64] = "";
	int p[2], sync[2], st;
	pid_t child;

	test_init(argc, argv);
	if (pipe(p) || pipe(sync))
		fail("pipe: %m");
	if (write(p[1], "before|", 7) != 7)
		fail("write: %m");
	child = fork();
	if (child == 0) {
		close(p[0]);
		close(sync[0]);
		close(sync[1]); /* the parent's read sees the fds closed */
		test_waitsig();
		exit(write(p[1], "after", 5) == 5 ? 0 : 1);
	}
	close(p[1]);
	close(sync[1]);
	/* Ready only once the child dropped its fds: the runner's first view is final. */
	if (read(sync[0], buf, 1) != 0)
		fail("sync read: %m");
	close(sync[0]);
	test_daemon();
	test_waitsig();

	kill(child, SIGTERM);
	st = wait_child(child, 10000);
	if (st != 0)
		fail("child wait status 0x%x", st);
	/* The child has exited: its write end is closed, so read() ends at EOF. */
	if (read(p[0], buf, sizeof(buf) - 1) != 12 || strcmp(buf, "before|after"))
		fail("pipe carried '%s', expected 'before|after'", buf);
	return test_done();
}
