/*
 * An epoll item is keyed by (file, fd number): closing the fd that was
 * added does not remove the item while the file lives on at another fd.
 * After restore the items must still watch the same files under the
 * original numbers, even where that number is now closed or names
 * another file, and still report their data.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "zdtmtst.h"

#define DATA_A 0xa1a2a3a4a5a6a7a8ULL
#define DATA_B 0xb1b2b3b4b5b6b7b8ULL

/*
 * Whether fdinfo of @ep lists target number @tfd with @events and @data
 * (the kernel always adds EPOLLERR and EPOLLHUP to the mask).
 */
static int fdinfo_has(int ep, int tfd, unsigned int events, uint64_t data)
{
	char path[64], line[256];
	FILE *f;
	int found = 0;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", ep);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		int t;
		unsigned int ev;
		unsigned long long d;

		if (sscanf(line, "tfd: %d events: %x data: %llx", &t, &ev, &d) == 3 && t == tfd &&
		    ev == (events | EPOLLERR | EPOLLHUP) && d == data)
			found = 1;
	}
	fclose(f);
	return found;
}

/* The one event epoll_wait reports now, or fail. */
static void expect_one(int ep, uint64_t data, const char *what)
{
	struct epoll_event out[4];
	int n = epoll_wait(ep, out, 4, 0);

	if (n != 1 || out[0].data.u64 != data)
		fail("%s: epoll_wait gave %d events (first data 0x%llx), expected one with 0x%llx",
		     what, n, n > 0 ? (unsigned long long)out[0].data.u64 : 0ULL,
		     (unsigned long long)data);
}

int main(int argc, char **argv)
{
	struct epoll_event ev = {.events = EPOLLIN};
	int ep, a[2], b[2], a_num, b_num, a_dup, b_dup, other;
	char c;

	test_init(argc, argv);
	ep = epoll_create1(0);
	if (ep < 0 || pipe(a) || pipe(b))
		test_skip("epoll/pipe: %m");
	/* a: added, moved to another fd, the added fd closed */
	a_num = a[0];
	ev.data.u64 = DATA_A;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, a_num, &ev))
		fail("add a: %m");
	a_dup = fcntl(a_num, F_DUPFD, 100);
	close(a_num);
	/* b: the same, and its number now names another file (not added) */
	b_num = b[0];
	ev.events = EPOLLIN | EPOLLET;
	ev.data.u64 = DATA_B;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, b_num, &ev))
		fail("add b: %m");
	b_dup = fcntl(b_num, F_DUPFD, 100);
	close(b_num);
	other = eventfd(0, 0);
	if (a_dup < 0 || b_dup < 0 || other < 0)
		fail("dup/eventfd: %m");
	if (other != b_num && dup2(other, b_num) != b_num)
		fail("dup2 onto %d: %m", b_num);
	if (other != b_num)
		close(other);

	test_daemon();
	test_waitsig();

	if (!fdinfo_has(ep, a_num, EPOLLIN, DATA_A))
		fail("fdinfo of the epoll lacks tfd %d (events 0x%x data 0x%llx)", a_num, EPOLLIN,
		     DATA_A);
	if (!fdinfo_has(ep, b_num, EPOLLIN | EPOLLET, DATA_B))
		fail("fdinfo of the epoll lacks tfd %d (events 0x%x data 0x%llx)", b_num,
		     EPOLLIN | EPOLLET, DATA_B);
	if (epoll_wait(ep, &ev, 1, 0) != 0)
		fail("idle: epoll_wait reports an event (data 0x%llx)",
		     (unsigned long long)ev.data.u64);
	if (write(a[1], "x", 1) != 1)
		fail("write a: %m");
	expect_one(ep, DATA_A, "pipe a written");
	if (read(a_dup, &c, 1) != 1)
		fail("read a through its dup: %m");
	if (write(b[1], "y", 1) != 1)
		fail("write b: %m");
	expect_one(ep, DATA_B, "pipe b written");
	return test_done();
}
