/* A process tree of three levels (1 + 2 + 4 tasks) keeps its shape and pids. */
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

#define FANOUT 2
#define DEPTH 2
#define NR_DESCENDANTS 6

struct node {
	pid_t me, parent, kids[FANOUT];
	int depth;
};

static void node_check_and_stop(struct node *n);

/* Forks the subtree below n; children report readiness on ready_fd. */
static void node_spawn(struct node *n, int ready_fd)
{
	int i;

	n->me = getpid();
	n->parent = getppid();
	for (i = 0; n->depth < DEPTH && i < FANOUT; i++) {
		n->kids[i] = fork();
		if (n->kids[i] == 0) {
			struct node child = {.depth = n->depth + 1};

			node_spawn(&child, ready_fd);
			if (write(ready_fd, "x", 1) != 1)
				_exit(2);
			test_waitsig();
			node_check_and_stop(&child);
			exit(test_failures() ? 1 : 0);
		}
	}
}

static void node_check_and_stop(struct node *n)
{
	int i, st;

	if (getpid() != n->me || (n->depth && getppid() != n->parent))
		fail("depth %d: pid %d ppid %d, expected %d %d", n->depth, getpid(), getppid(),
		     n->me, n->parent);
	for (i = 0; n->depth < DEPTH && i < FANOUT; i++) {
		kill(n->kids[i], SIGTERM);
		st = wait_child(n->kids[i], 10000);
		if (st != 0)
			fail("depth %d: child %d wait status 0x%x", n->depth, n->kids[i], st);
	}
}

int main(int argc, char **argv)
{
	struct node root = {.depth = 0};
	int p[2], i;
	char c;

	test_init(argc, argv);
	if (pipe(p))
		fail("pipe: %m");
	node_spawn(&root, p[1]);
	for (i = 0; i < NR_DESCENDANTS; i++)
		if (read(p[0], &c, 1) != 1)
			fail("only %d of %d descendants started", i, NR_DESCENDANTS);
	close(p[0]);
	close(p[1]);
	test_daemon();
	test_waitsig();
	node_check_and_stop(&root);
	return test_done();
}
