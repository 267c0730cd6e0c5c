/*
 * Target for dump tests of fd kinds: eventfd, signalfd, timerfd, epoll, a
 * FIFO holding data, an unlinked-but-open file and a unix socketpair with data queued both ways. On
 * SIGUSR1 it checks that their state is unchanged and writes "PASS" or "FAIL: what" to RESULT;
 * SIGTERM exits. "ready" goes to RESULT.ready.
 *
 * usage: dump-fds RESULT
 */
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define GHOST_MSG "content of a file that was unlinked while open"
#define FIFO_MSG "bytes waiting in a fifo"

static volatile sig_atomic_t got_sig;
static int efd, sfd, tfd, epfd, fifo_r, fifo_w, ghost, sp[2];

static void on_sig(int sig)
{
	got_sig = sig;
}

static const char *check(void)
{
	struct epoll_event ev;
	struct itimerspec its;
	char buf[256];
	uint64_t v;
	ssize_t n;

	if (read(efd, &v, sizeof(v)) != sizeof(v) || v != 5)
		return "eventfd counter";
	v = 5;
	if (write(efd, &v, sizeof(v)) != sizeof(v))
		return "eventfd write";
	if (epoll_wait(epfd, &ev, 1, 0) != 1 || ev.data.u64 != 0xfeedULL)
		return "epoll does not report the eventfd";
	if (timerfd_gettime(tfd, &its) || its.it_interval.tv_sec != 3000)
		return "timerfd settings";
	n = pread(ghost, buf, sizeof(buf), 0);
	if (n != (ssize_t)strlen(GHOST_MSG) || memcmp(buf, GHOST_MSG, (size_t)n))
		return "unlinked file content";
	n = read(fifo_r, buf, sizeof(buf));
	if (n != (ssize_t)strlen(FIFO_MSG) || memcmp(buf, FIFO_MSG, (size_t)n))
		return "fifo data";
	if (write(fifo_w, FIFO_MSG, strlen(FIFO_MSG)) < 0)
		return "fifo write";
	/* The queued data must still be there, unconsumed. */
	if (recv(sp[1], buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT) != 6 || memcmp(buf, "to-one", 6))
		return "data queued for socketpair end 1";
	if (recv(sp[0], buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT) != 7 ||
	    memcmp(buf, "to-zero", 7))
		return "data queued for socketpair end 0";
	return NULL;
}

static void report(const char *path, const char *fail)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return;
	fprintf(f, fail ? "FAIL: %s\n" : "PASS\n", fail);
	fclose(f);
}

static int setup(const char *res)
{
	struct itimerspec its = {{3000, 0}, {3000, 0}};
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 0xfeedULL};
	char path[4200];
	sigset_t set;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp) || write(sp[0], "to-one", 6) != 6 ||
	    write(sp[1], "to-zero", 7) != 7)
		return -1;
	efd = eventfd(5, EFD_NONBLOCK);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	tfd = timerfd_create(CLOCK_MONOTONIC, 0);
	epfd = epoll_create1(0);
	if (efd < 0 || sfd < 0 || tfd < 0 || epfd < 0 || timerfd_settime(tfd, 0, &its, NULL) ||
	    epoll_ctl(epfd, EPOLL_CTL_ADD, efd, &ev))
		return -1;
	snprintf(path, sizeof(path), "%s.fifo", res);
	unlink(path);
	if (mkfifo(path, 0600))
		return -1;
	fifo_r = open(path, O_RDONLY | O_NONBLOCK);
	fifo_w = open(path, O_WRONLY);
	if (fifo_r < 0 || fifo_w < 0 || write(fifo_w, FIFO_MSG, strlen(FIFO_MSG)) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s.ghost", res);
	ghost = open(path, O_RDWR | O_CREAT | O_TRUNC, 0640);
	if (ghost < 0 || write(ghost, GHOST_MSG, strlen(GHOST_MSG)) < 0 || unlink(path))
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	char ready[4200];

	if (argc < 2)
		return 2;
	signal(SIGUSR1, on_sig);
	signal(SIGTERM, on_sig);
	if (setup(argv[1])) {
		perror("setup");
		return 1;
	}
	snprintf(ready, sizeof(ready), "%s.ready", argv[1]);
	report(ready, NULL);
	for (;;) {
		struct timespec ts = {0, 10000000};

		nanosleep(&ts, NULL);
		if (!got_sig)
			continue;
		report(argv[1], check());
		if (got_sig == SIGTERM)
			return 0;
		got_sig = 0;
	}
}
