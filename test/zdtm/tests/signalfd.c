/* A signalfd keeps its mask and still reads the signals queued for it. */
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "zdtmtst.h"

int main(int argc, char **argv)
{
	struct signalfd_siginfo si;
	sigset_t set;
	int fd;

	test_init(argc, argv);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGRTMIN + 4);
	sigprocmask(SIG_BLOCK, &set, NULL);
	fd = signalfd(-1, &set, SFD_NONBLOCK);
	if (fd < 0)
		test_skip("signalfd: %m");
	kill(getpid(), SIGUSR1);
	test_daemon();
	test_waitsig();

	if (read(fd, &si, sizeof(si)) != sizeof(si) || si.ssi_signo != SIGUSR1)
		fail("signalfd did not return the pending SIGUSR1");
	kill(getpid(), SIGRTMIN + 4);
	if (read(fd, &si, sizeof(si)) != sizeof(si) || si.ssi_signo != (unsigned)SIGRTMIN + 4)
		fail("signalfd mask lost SIGRTMIN+4");
	if (read(fd, &si, sizeof(si)) != -1)
		fail("signalfd returned an extra signal");
	return test_done();
}
