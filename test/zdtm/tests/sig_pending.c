/*
 * Blocked pending signals survive: a process-wide SIGUSR1, a thread-directed
 * SIGUSR2, and two queued real-time signals with their si_value, in order.
 */
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "zdtmtst.h"

#define RT (SIGRTMIN + 2)

static volatile int got_usr1, got_usr2, nr_rt;
static volatile int rt_val[4], rt_code[4];

static void handler(int sig, siginfo_t *si, void *uc)
{
	if (sig == SIGUSR1)
		got_usr1++;
	else if (sig == SIGUSR2)
		got_usr2++;
	else if (sig == RT && nr_rt < 4) {
		rt_val[nr_rt] = si->si_value.sival_int;
		rt_code[nr_rt++] = si->si_code;
	}
}

int main(int argc, char **argv)
{
	struct sigaction sa = {.sa_sigaction = handler, .sa_flags = SA_SIGINFO};
	union sigval v;
	sigset_t set, pend;

	test_init(argc, argv);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, RT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	sigaction(RT, &sa, NULL);
	kill(getpid(), SIGUSR1);
	syscall(SYS_tgkill, getpid(), gettid(), SIGUSR2);
	v.sival_int = 1111;
	sigqueue(getpid(), RT, v);
	v.sival_int = 2222;
	sigqueue(getpid(), RT, v);
	test_daemon();
	test_waitsig();

	sigpending(&pend);
	if (!sigismember(&pend, SIGUSR1) || !sigismember(&pend, SIGUSR2) || !sigismember(&pend, RT))
		fail("pending after restore: USR1 %d USR2 %d RT %d, expected all 1",
		     sigismember(&pend, SIGUSR1), sigismember(&pend, SIGUSR2),
		     sigismember(&pend, RT));
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	if (got_usr1 != 1 || got_usr2 != 1)
		fail("delivered SIGUSR1 x%d, SIGUSR2 x%d, expected once each", got_usr1, got_usr2);
	if (nr_rt != 2)
		fail("delivered %d queued RT signals, expected 2", nr_rt);
	else if (rt_val[0] != 1111 || rt_val[1] != 2222 || rt_code[0] != SI_QUEUE)
		fail("RT signals carried values %d, %d (si_code %d), expected 1111, 2222 "
		     "(SI_QUEUE)",
		     rt_val[0], rt_val[1], rt_code[0]);
	return test_done();
}
