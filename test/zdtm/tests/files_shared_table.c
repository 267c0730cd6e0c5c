/*
 * A child created with clone(CLONE_FILES) but not CLONE_THREAD shares its
 * parent's fd table: after restore it must still share it (kcmp
 * KCMP_FILES), so an fd the parent opens is visible in the child and one
 * the child closes is gone in the parent.
 */
#include <fcntl.h>
#include <linux/kcmp.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "zdtmtst.h"

static int same_table(pid_t a, pid_t b)
{
	return syscall(SYS_kcmp, a, b, KCMP_FILES, 0, 0) == 0;
}

int main(int argc, char **argv)
{
	int to_child[2], to_parent[2], efd, st, n;
	pid_t child;

	test_init(argc, argv);
	if (pipe(to_child) || pipe(to_parent))
		test_skip("pipe: %m");
	child = (pid_t)syscall(SYS_clone, CLONE_FILES | SIGCHLD, 0, NULL, NULL, 0);
	if (child < 0)
		test_skip("clone(CLONE_FILES): %m");
	if (child == 0) {
		/* the parent tells us the number of an fd it opened after restore */
		test_waitsig();
		if (read(to_child[0], &n, sizeof(n)) != sizeof(n))
			_exit(2);
		if (fcntl(n, F_GETFD) < 0)
			_exit(3); /* not visible here: tables not shared */
		close(n);
		if (write(to_parent[1], &n, sizeof(n)) != sizeof(n))
			_exit(4);
		_exit(0);
	}
	if (!same_table(getpid(), child))
		test_skip("clone(CLONE_FILES) did not share the table");
	test_daemon();
	test_waitsig();

	if (!same_table(getpid(), child))
		fail("parent %d and child %d no longer share their fd table", getpid(), child);
	efd = eventfd(0, 0);
	kill(child, SIGTERM);
	if (efd < 0 || write(to_child[1], &efd, sizeof(efd)) != sizeof(efd))
		fail("eventfd/write: %m");
	st = wait_child(child, 10000);
	if (st != 0)
		fail("child status 0x%x (3: the parent's new fd was not visible in the child)", st);
	else if (read(to_parent[0], &n, sizeof(n)) != sizeof(n) || n != efd ||
		 fcntl(efd, F_GETFD) >= 0)
		fail("fd %d the child closed is still open in the parent", efd);
	return test_done();
}
