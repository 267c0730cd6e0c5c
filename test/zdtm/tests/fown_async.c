/*
 * Signal-driven I/O survives: the read end of a pipe has O_ASYNC, the root
 * as owner and SIGRTMIN+1 as its signal (F_SETSIG); after restore a byte
 * written into the pipe must queue SIGRTMIN+1 to the root with si_fd the
 * pipe's fd and si_code POLL_IN. A socketpair end is owned by the process
 * group (F_OWNER_PGRP), a regular file by a child (F_OWNER_PID) with SIGURG
 * as signal and no O_ASYNC. Each owner, signal and O_ASYNC flag is read back
 * with F_GETOWN_EX, F_GETSIG and F_GETFL.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "zdtmtst.h"

struct owned {
	const char *what;
	int fd;
	struct f_owner_ex owner;
	int sig;
	int async;
};

static int set_owner(const struct owned *o)
{
	int fl = fcntl(o->fd, F_GETFL);

	if (fcntl(o->fd, F_SETOWN_EX, &o->owner) || fcntl(o->fd, F_SETSIG, o->sig))
		return -1;
	return o->async ? fcntl(o->fd, F_SETFL, fl | O_ASYNC) : 0;
}

static void check_owner(const struct owned *o)
{
	struct f_owner_ex ow = {-1, -1};
	int sig = fcntl(o->fd, F_GETSIG), fl = fcntl(o->fd, F_GETFL);

	if (fcntl(o->fd, F_GETOWN_EX, &ow))
		fail("%s: F_GETOWN_EX: %m", o->what);
	else if (ow.type != o->owner.type || ow.pid != o->owner.pid)
		fail("%s: owner type %d pid %d, expected type %d pid %d", o->what, ow.type, ow.pid,
		     o->owner.type, o->owner.pid);
	if (sig != o->sig)
		fail("%s: F_GETSIG %d, expected %d", o->what, sig, o->sig);
	if (fl < 0 || !!(fl & O_ASYNC) != o->async)
		fail("%s: O_ASYNC is %s, expected %s", o->what,
		     fl >= 0 && (fl & O_ASYNC) ? "on" : "off", o->async ? "on" : "off");
}

/* The pipe's signal, with si_fd naming the pipe, once a byte is written. */
static void check_sigio(int rfd, int wfd, int sig)
{
	struct timespec ts = {10, 0};
	siginfo_t si;
	sigset_t set;
	char c = 'x';

	sigemptyset(&set);
	sigaddset(&set, sig);
	if (write(wfd, &c, 1) != 1) {
		fail("pipe write: %m");
		return;
	}
	if (sigtimedwait(&set, &si, &ts) != sig) {
		fail("no signal %d after writing into the O_ASYNC pipe: %m", sig);
		return;
	}
	if (si.si_fd != rfd || si.si_code != POLL_IN)
		fail("signal %d: si_fd %d si_code %d, expected fd %d and POLL_IN (%d)", sig,
		     si.si_fd, si.si_code, rfd, POLL_IN);
	if (read(rfd, &c, 1) != 1 || c != 'x')
		fail("pipe read back: %m");
}

int main(int argc, char **argv)
{
	int p[2], sv[2], sig = SIGRTMIN + 1, fd, st;
	struct owned o[3];
	sigset_t set;
	pid_t child;

	test_init(argc, argv);
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_BLOCK, &set, NULL); /* collected with sigtimedwait */
	if (pipe(p) || socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		test_skip("pipe/socketpair: %m");
	/* Raise the pipe's read end and a file above the defaults, away from 3/4. */
	if (dup2(p[0], 40) < 0 || close(p[0]))
		test_skip("dup2: %m");
	p[0] = 40;
	fd = open(test_path("owned.txt"), O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		test_skip("open: %m");
	child = fork();
	if (child < 0)
		test_skip("fork: %m");
	if (child == 0) {
		test_waitsig();
		exit(0);
	}
	o[0] = (struct owned){"pipe read end", p[0], {F_OWNER_PID, getpid()}, sig, 1};
	o[1] = (struct owned){"socketpair end", sv[0], {F_OWNER_PGRP, getpgrp()}, 0, 1};
	o[2] = (struct owned){"regular file", fd, {F_OWNER_PID, child}, SIGURG, 0};
	for (int i = 0; i < 3; i++)
		if (set_owner(&o[i]))
			fail("%s: setting owner/signal/O_ASYNC: %m", o[i].what);

	test_daemon();
	test_waitsig();

	for (int i = 0; i < 3; i++)
		check_owner(&o[i]);
	check_sigio(p[0], p[1], sig);
	kill(child, SIGTERM);
	st = wait_child(child, 10000);
	if (st != 0)
		fail("child %d: wait status 0x%x", child, st);
	return test_done();
}
