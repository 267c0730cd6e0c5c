/*
 * Several signalfds, each with its own mask and flags, and the signals
 * pending for them: two signalfds of one process (one non-blocking and
 * close-on-exec, one blocking), an RT signal queued twice with its values
 * (sigqueue: code, pid, value come back through the signalfd), and a child
 * that reads its own pending signal through the signalfd it inherited.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "zdtmtst.h"

static void mask_of(int fd, char *out, size_t len)
{
	char path[64], line[128];
	FILE *f;

	out[0] = '\0';
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "sigmask:", 8))
			snprintf(out, len, "%s", line);
	if (f)
		fclose(f);
}

/* One signal read from @fd: its number, code, pid and value, or fail. */
static void expect(int fd, int sig, int code, int val, const char *what)
{
	struct signalfd_siginfo si;

	if (read(fd, &si, sizeof(si)) != sizeof(si)) {
		fail("%s: read: %m", what);
		return;
	}
	if ((int)si.ssi_signo != sig || (code && si.ssi_code != code) ||
	    (code == SI_QUEUE && ((int)si.ssi_pid != getpid() || si.ssi_int != val)))
		fail("%s: signal %u code %d pid %u value %d, expected %d code %d pid %d value %d",
		     what, si.ssi_signo, si.ssi_code, si.ssi_pid, si.ssi_int, sig, code, getpid(),
		     val);
}

static void check_flags(int fd, int fl, int fdfl, const char *what)
{
	if ((fcntl(fd, F_GETFL) & O_NONBLOCK) != fl || (fcntl(fd, F_GETFD) & FD_CLOEXEC) != fdfl)
		fail("%s: flags 0%o fd flags %d, expected O_NONBLOCK %s, FD_CLOEXEC %s", what,
		     fcntl(fd, F_GETFL), fcntl(fd, F_GETFD), fl ? "set" : "clear",
		     fdfl ? "set" : "clear");
}

int main(int argc, char **argv)
{
	char m1[128], m2[128], a1[128], a2[128];
	sigset_t s1, s2, all;
	int f1, f2, p[2], st;
	pid_t child;
	char c;

	test_init(argc, argv);
	sigemptyset(&s1);
	sigaddset(&s1, SIGUSR1);
	sigaddset(&s1, SIGRTMIN + 4);
	sigemptyset(&s2);
	sigaddset(&s2, SIGUSR2);
	sigaddset(&s2, SIGRTMIN + 7);
	sigemptyset(&all);
	sigaddset(&all, SIGUSR1);
	sigaddset(&all, SIGUSR2);
	sigaddset(&all, SIGRTMIN + 4);
	sigaddset(&all, SIGRTMIN + 7);
	sigprocmask(SIG_BLOCK, &all, NULL);
	f1 = signalfd(-1, &s1, SFD_NONBLOCK | SFD_CLOEXEC);
	f2 = signalfd(-1, &s2, 0);
	if (f1 < 0 || f2 < 0 || pipe(p))
		test_skip("signalfd: %m");
	child = fork();
	if (child == 0) {
		close(p[0]);
		if (write(p[1], "r", 1) != 1)
			exit(2);
		test_waitsig();
		expect(f1, SIGUSR1, SI_USER, 0, "child's own SIGUSR1");
		exit(test_failures() ? 1 : 0);
	}
	close(p[1]);
	if (read(p[0], &c, 1) != 1)
		fail("child not ready");
	kill(child, SIGUSR1);
	sigqueue(getpid(), SIGRTMIN + 7, (union sigval){.sival_int = 71});
	sigqueue(getpid(), SIGRTMIN + 7, (union sigval){.sival_int = 72});
	sigqueue(getpid(), SIGUSR2, (union sigval){.sival_int = 2});
	mask_of(f1, m1, sizeof(m1));
	mask_of(f2, m2, sizeof(m2));
	test_daemon();
	test_waitsig();

	mask_of(f1, a1, sizeof(a1));
	mask_of(f2, a2, sizeof(a2));
	if (strcmp(m1, a1) || strcmp(m2, a2))
		fail("masks changed: '%s' '%s' -> '%s' '%s'", m1, m2, a1, a2);
	check_flags(f1, O_NONBLOCK, FD_CLOEXEC, "first signalfd");
	check_flags(f2, 0, 0, "second signalfd");
	/* the first one has nothing for us: the SIGUSR1 was the child's */
	if (read(f1, &c, 1) != -1)
		fail("first signalfd: a signal for the parent");
	expect(f2, SIGUSR2, SI_QUEUE, 2, "SIGUSR2");
	expect(f2, SIGRTMIN + 7, SI_QUEUE, 71, "first SIGRTMIN+7");
	expect(f2, SIGRTMIN + 7, SI_QUEUE, 72, "second SIGRTMIN+7");
	kill(child, SIGTERM);
	st = wait_child(child, 10000);
	if (st != 0)
		fail("child status 0x%x", st);
	return test_done();
}
