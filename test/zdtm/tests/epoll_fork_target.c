/*
 * One epoll instance shared by a parent and its child, with targets that
 * only one of them holds: the parent's pipe, whose fd the child closed
 * after the fork, and an eventfd the child opened and added after the fork
 * (the parent has no such fd, or another file at that number). After
 * restore both see every item, with its data, on the right file.
 */
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "zdtmtst.h"

#define DATA_PIPE 0x1111000011110000ULL
#define DATA_EFD 0x2222000022220000ULL

/* Events reported by @ep now: the data of up to 4 into @d. */
static int ready(int ep, uint64_t *d)
{
	struct epoll_event out[4];
	int n = epoll_wait(ep, out, 4, 0);

	for (int i = 0; i < n; i++)
		d[i] = out[i].data.u64;
	return n;
}

static int child_main(int ep, int p0, int sync_w, int go_r)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = DATA_EFD};
	uint64_t d[4], one = 1;
	int efd, n;

	close(p0); /* the pipe's read end now lives in the parent only */
	efd = eventfd(0, EFD_NONBLOCK);
	if (efd < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev))
		return 2;
	if (write(sync_w, "r", 1) != 1)
		return 3;
	test_waitsig();
	/* the parent wrote to its pipe before signalling us */
	n = ready(ep, d);
	if (n != 1 || d[0] != DATA_PIPE) {
		test_msg("child: %d events (first 0x%llx), expected the pipe's", n,
			 n > 0 ? (unsigned long long)d[0] : 0ULL);
		return 4;
	}
	if (write(efd, &one, 8) != 8)
		return 5;
	/* the eventfd (and its item) lives while we do: wait for the parent's check */
	if (write(sync_w, "w", 1) != 1 || read(go_r, &one, 1) != 0)
		return 6;
	return 0;
}

int main(int argc, char **argv)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = DATA_PIPE};
	int ep, p[2], s[2], g[2], st, n;
	uint64_t d[4];
	pid_t child;
	char c;

	test_init(argc, argv);
	ep = epoll_create1(0);
	if (ep < 0 || pipe(p) || pipe(s) || pipe(g))
		test_skip("epoll/pipe: %m");
	if (epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev))
		fail("add pipe: %m");
	child = fork();
	if (child == 0) {
		close(s[0]);
		close(g[1]);
		exit(child_main(ep, p[0], s[1], g[0]));
	}
	close(s[1]);
	close(g[0]);
	if (read(s[0], &c, 1) != 1)
		fail("child did not get ready");
	test_daemon();
	test_waitsig();

	if ((n = ready(ep, d)) != 0)
		fail("idle: %d events (first 0x%llx)", n, (unsigned long long)d[0]);
	if (write(p[1], "x", 1) != 1)
		fail("write pipe: %m");
	kill(child, SIGTERM);
	if (read(s[0], &c, 1) != 1)
		fail("child failed before writing its eventfd");
	n = ready(ep, d);
	if (n != 2 ||
	    !((d[0] == DATA_PIPE && d[1] == DATA_EFD) || (d[1] == DATA_PIPE && d[0] == DATA_EFD)))
		fail("parent: %d events, expected the pipe's and the child's eventfd's", n);
	close(g[1]);
	st = wait_child(child, 10000);
	if (st != 0)
		fail("child wait status 0x%x", st);
	return test_done();
}
