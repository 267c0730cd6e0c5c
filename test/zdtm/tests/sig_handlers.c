/*
 * Signal dispositions survive: an SA_SIGINFO handler with its flags and
 * sa_mask, an ignored signal, and a default one; the handler still runs.
 */
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "zdtmtst.h"

static volatile int got, got_val, got_code;

static void info_handler(int sig, siginfo_t *si, void *uc)
{
	got = sig;
	got_val = si->si_value.sival_int;
	got_code = si->si_code;
}

int main(int argc, char **argv)
{
	struct sigaction sa = {.sa_sigaction = info_handler}, now;
	const int flags = SA_SIGINFO | SA_RESTART | SA_NODEFER;
	union sigval v = {.sival_int = 4242};

	test_init(argc, argv);
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGHUP);
	sigaddset(&sa.sa_mask, SIGRTMIN + 1);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGUSR2, SIG_IGN);
	test_daemon();
	test_waitsig();

	sigaction(SIGUSR1, NULL, &now);
	if (now.sa_sigaction != info_handler)
		fail("SIGUSR1 handler %p, expected %p", (void *)now.sa_sigaction,
		     (void *)info_handler);
	if ((now.sa_flags & flags) != flags)
		fail("SIGUSR1 flags 0x%x, expected 0x%x set", now.sa_flags, flags);
	if (!sigismember(&now.sa_mask, SIGHUP) || !sigismember(&now.sa_mask, SIGRTMIN + 1) ||
	    sigismember(&now.sa_mask, SIGINT))
		fail("SIGUSR1 sa_mask changed");
	sigaction(SIGUSR2, NULL, &now);
	if (now.sa_handler != SIG_IGN)
		fail("SIGUSR2 is no longer ignored");
	sigaction(SIGINT, NULL, &now);
	if (now.sa_handler != SIG_DFL)
		fail("SIGINT is no longer SIG_DFL");
	sigqueue(getpid(), SIGUSR1, v);
	if (got != SIGUSR1 || got_val != 4242 || got_code != SI_QUEUE)
		fail("handler saw sig %d value %d code %d, expected %d 4242 %d", got, got_val,
		     got_code, SIGUSR1, SI_QUEUE);
	kill(getpid(), SIGUSR2); /* ignored: must not kill us */
	return test_done();
}
