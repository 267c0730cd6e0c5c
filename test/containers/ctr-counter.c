/*
 * The process of the container tests (test/containers): linked statically so
 * that it runs in a rootfs that holds only busybox. It counts, and checks its
 * own state each round, writing what it found to /data/state (the tmpfs of
 * the container's config.json), one line:
 *   count=N tmpfs=ok|FAIL pty=ok|FAIL
 * - count: a counter in its memory, +1 each round (every 100 ms); after a
 *   restore it goes on from the checkpoint's value, never from 0;
 * - tmpfs: /data/seed, written once at the first start with a value of the
 *   start's, still holds it (the tmpfs and its contents came back);
 * - pty: a pair it opened on /dev/ptmx (the container's devpts) and keeps;
 *   each round a message written to the master is read back from the peer.
 * The state file is replaced atomically (rename), so a reader never sees half.
 * Each count also goes to stdout; when stdin is a terminal (runc's
 * terminal: true console), a line read from it is answered "heard=LINE" on
 * stdout (the console's echo of the line has no "heard=").
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

static int pty_open(int *master, int *peer)
{
	struct termios t;
	int unlock = 0;

	*master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (*master < 0 || ioctl(*master, TIOCSPTLCK, &unlock))
		return -1;
	*peer = ioctl(*master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (*peer < 0 || tcgetattr(*peer, &t))
		return -1;
	cfmakeraw(&t);
	return tcsetattr(*peer, TCSANOW, &t);
}

/* A message through the pair, read back whole within a second. */
static int pty_check(int master, int peer, long n)
{
	char msg[32], got[32];
	size_t len, have = 0;
	struct pollfd p = {.fd = peer, .events = POLLIN};

	len = (size_t)snprintf(msg, sizeof(msg), "ping %ld\n", n);
	if (write(master, msg, len) != (ssize_t)len)
		return -1;
	while (have < len) {
		ssize_t r;

		if (poll(&p, 1, 1000) != 1)
			return -1;
		r = read(peer, got + have, len - have);
		if (r <= 0)
			return -1;
		have += (size_t)r;
	}
	return memcmp(msg, got, len) ? -1 : 0;
}

static int read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

static int write_file(const char *path, const char *text)
{
	char tmp[256];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.new", path);
	f = fopen(tmp, "w");
	if (!f)
		return -1;
	fputs(text, f);
	if (fclose(f))
		return -1;
	return rename(tmp, path);
}

/* A line on terminal stdin, if one is there, answered on stdout. */
static void console_answer(void)
{
	struct pollfd p = {.fd = STDIN_FILENO, .events = POLLIN};
	char buf[64];
	ssize_t n;

	if (!isatty(STDIN_FILENO) || poll(&p, 1, 0) != 1)
		return;
	n = read(STDIN_FILENO, buf, sizeof(buf) - 1);
	if (n <= 0)
		return;
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	printf("heard=%s\n", buf);
}

int main(void)
{
	char seed[64], got[64], line[128];
	struct timespec nap = {0, 100 * 1000 * 1000};
	int master = -1, peer = -1, pty_ok;
	long count = 0;

	/* stdout is the engine's pipe, whose reader may be gone after a restore */
	signal(SIGPIPE, SIG_IGN);
	snprintf(seed, sizeof(seed), "seed %ld.%ld\n", (long)time(NULL), (long)getpid());
	if (write_file("/data/seed", seed)) {
		fprintf(stderr, "ctr-counter: /data/seed: %s\n", strerror(errno));
		return 1;
	}
	pty_ok = pty_open(&master, &peer) == 0;
	for (;;) {
		int tmpfs_ok = !read_file("/data/seed", got, sizeof(got)) && !strcmp(got, seed);

		count++;
		if (pty_ok)
			pty_ok = pty_check(master, peer, count) == 0;
		snprintf(line, sizeof(line), "count=%ld tmpfs=%s pty=%s\n", count,
			 tmpfs_ok ? "ok" : "FAIL", pty_ok ? "ok" : "FAIL");
		write_file("/data/state", line);
		printf("%ld\n", count);
		console_answer();
		fflush(stdout);
		nanosleep(&nap, NULL);
	}
}
