/*
 * A task blocked in waitpid() for its child keeps waiting across
 * checkpoint/restore and then collects the child's real exit status.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

static void waiter(int ready_fd)
{
	pid_t grandchild = fork();
	int st;

	if (grandchild == 0) {
		if (write(ready_fd, &grandchild, sizeof(grandchild)) < 0)
			_exit(2);
		test_waitsig();
		_exit(7);
	}
	for (;;) {
		pid_t r = waitpid(grandchild, &st, 0);

		if (r == grandchild)
			break;
		if (r < 0 && errno != EINTR) {
			fail("waitpid(%d): %m", grandchild);
			exit(1);
		}
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 7) {
		fail("grandchild wait status 0x%x, expected exit 7", st);
		exit(1);
	}
	exit(0);
}

int main(int argc, char **argv)
{
	pid_t child, grandchild = 0;
	int p[2], st;

	test_init(argc, argv);
	if (pipe(p))
		fail("pipe: %m");
	child = fork();
	if (child == 0)
		waiter(p[1]); /* only the root gets SIGTERM from the runner */
	if (read(p[0], &grandchild, sizeof(grandchild)) != sizeof(grandchild))
		fail("grandchild did not start");
	test_daemon();
	test_waitsig();

	kill(grandchild, SIGTERM);
	st = wait_child(child, 10000);
	if (st != 0)
		fail("waiting parent %d: wait status 0x%x, expected exit 0", child, st);
	return test_done();
}
