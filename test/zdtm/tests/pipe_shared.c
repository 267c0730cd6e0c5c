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
	int p[2], st;
	pid_t child;

	test_init(argc, argv);
	if (pipe(p))
		fail("pipe: %m");
	if (write(p[1], "before|", 7) != 7)
		fail("write: %m");
	child = fork();
	if (child == 0) {
		close(p[0]);
		test_waitsig();
		exit(write(p[1], "after", 5) == 5 ? 0 : 1);
	}
	close(p[1]);
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
