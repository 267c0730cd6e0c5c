/*
 * An epoll instance keeps its registrations (events and data): a ready pipe
 * is reported with its data, an idle eventfd is not, until it becomes ready.
 */
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "zdtmtst.h"

int main(int argc, char **argv)
{
	struct epoll_event ev = {.events = EPOLLIN}, out[4];
	uint64_t one = 1;
	int ep, p[2], e, n;

	test_init(argc, argv);
	ep = epoll_create1(0);
	e = eventfd(0, EFD_NONBLOCK);
	if (ep < 0 || e < 0 || pipe(p))
		test_skip("epoll/eventfd/pipe: %m");
	ev.data.u64 = 0x1111222233334444ULL;
	epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);
	ev.events = EPOLLIN | EPOLLET;
	ev.data.u64 = 0x5555666677778888ULL;
	epoll_ctl(ep, EPOLL_CTL_ADD, e, &ev);
	if (write(p[1], "x", 1) != 1)
		fail("write pipe: %m");
	test_daemon();
	test_waitsig();

	n = epoll_wait(ep, out, 4, 0);
	if (n != 1 || out[0].data.u64 != 0x1111222233334444ULL || !(out[0].events & EPOLLIN))
		fail("epoll_wait: %d events (first data 0x%llx), expected the pipe only", n,
		     n > 0 ? (unsigned long long)out[0].data.u64 : 0ULL);
	if (write(e, &one, 8) != 8)
		fail("write eventfd: %m");
	n = epoll_wait(ep, out, 4, 0);
	if (n != 2)
		fail("epoll_wait after eventfd write: %d events, expected 2", n);
	return test_done();
}
