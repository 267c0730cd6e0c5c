/*
 * pidfds of processes of the tree: the parent holds a pidfd of its child
 * (pidfd_open, O_NONBLOCK) and one of itself, also watched by an epoll.
 * After restore the pidfds refer to the same (restored) pids (fdinfo Pid:),
 * keep their flags, pidfd_send_signal through the child's works, and the
 * pidfd polls readable (and its epoll item fires) once the child exits.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

#ifndef PIDFD_NONBLOCK
#define PIDFD_NONBLOCK O_NONBLOCK
#endif

static int pid_of(int fd)
{
	char path[64], line[128];
	int pid = -2;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		sscanf(line, "Pid: %d", &pid);
	if (f)
		fclose(f);
	return pid;
}

int main(int argc, char **argv)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 0x51d}, out;
	struct pollfd pfd;
	int cfd, sfd, ep, st;
	pid_t child;

	test_init(argc, argv);
	child = fork();
	if (child == 0) {
		for (;;)
			pause(); /* killed through the pidfd after restore */
	}
	cfd = (int)syscall(SYS_pidfd_open, child, PIDFD_NONBLOCK);
	sfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
	ep = epoll_create1(0);
	if (cfd < 0 || sfd < 0 || ep < 0)
		test_skip("pidfd_open: %m");
	if (epoll_ctl(ep, EPOLL_CTL_ADD, cfd, &ev))
		fail("epoll_ctl: %m");
	test_daemon();
	test_waitsig();

	if (pid_of(cfd) != child || pid_of(sfd) != getpid())
		fail("pidfds refer to %d and %d, expected %d and %d", pid_of(cfd), pid_of(sfd),
		     child, getpid());
	if (!(fcntl(cfd, F_GETFL) & O_NONBLOCK) || (fcntl(sfd, F_GETFL) & O_NONBLOCK))
		fail("pidfd flags: child's 0%o (O_NONBLOCK expected), self's 0%o",
		     fcntl(cfd, F_GETFL), fcntl(sfd, F_GETFL));
	pfd = (struct pollfd){.fd = cfd, .events = POLLIN};
	if (poll(&pfd, 1, 0) != 0)
		fail("the child's pidfd is readable while the child runs");
	if (syscall(SYS_pidfd_send_signal, cfd, SIGKILL, NULL, 0))
		fail("pidfd_send_signal: %m");
	if (poll(&pfd, 1, 5000) != 1 || !(pfd.revents & POLLIN))
		fail("the child's pidfd did not become readable when it died");
	if (epoll_wait(ep, &out, 1, 1000) != 1 || out.data.u64 != 0x51d)
		fail("the epoll item of the child's pidfd did not fire");
	if (waitpid(child, &st, 0) != child || !WIFSIGNALED(st) || WTERMSIG(st) != SIGKILL)
		fail("child status 0x%x, expected killed by SIGKILL", st);
	return test_done();
}
