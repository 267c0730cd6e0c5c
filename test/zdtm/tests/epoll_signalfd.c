/*
 * An epoll instance watching a signalfd: a signalfd wakes the waiters of
 * the process that added it to the epoll (its signal handlers' queue), so
 * after restore a signal sent to the process must still make the item ready.
 */
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "zdtmtst.h"

int main(int argc, char **argv)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 0x5167ULL}, out[2];
	struct signalfd_siginfo si;
	sigset_t set;
	int ep, sfd, n;

	test_init(argc, argv);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sfd = signalfd(-1, &set, SFD_NONBLOCK);
	ep = epoll_create1(0);
	if (sfd < 0 || ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev))
		test_skip("signalfd/epoll: %m");
	test_daemon();
	test_waitsig();

	if ((n = epoll_wait(ep, out, 2, 0)) != 0)
		fail("idle: %d events", n);
	kill(getpid(), SIGUSR1);
	n = epoll_wait(ep, out, 2, 1000);
	if (n != 1 || out[0].data.u64 != 0x5167ULL)
		fail("after SIGUSR1: %d events (data 0x%llx), expected the signalfd's", n,
		     n > 0 ? (unsigned long long)out[0].data.u64 : 0ULL);
	if (read(sfd, &si, sizeof(si)) != sizeof(si) || si.ssi_signo != SIGUSR1)
		fail("signalfd did not return SIGUSR1");
	return test_done();
}
