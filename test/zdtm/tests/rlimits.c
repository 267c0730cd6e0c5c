/*
 * Every resource limit survives, soft and hard: each RLIMIT_* gets a soft
 * value below its hard one where the current hard limit allows, some of them
 * RLIM_INFINITY (only lowered: raising a hard limit needs CAP_SYS_RESOURCE).
 * RLIMIT_SIGPENDING is lowered below the signals already queued (3 blocked
 * SIGRTMIN): they stay pending, and must still be pending after restore.
 */
#include <signal.h>
#include <sys/resource.h>
#include <time.h>

#include "zdtmtst.h"

#define INF RLIM_INFINITY

static const struct {
	int res;
	const char *name;
	rlim_t soft, hard;
} lims[] = {
	{RLIMIT_CPU, "CPU", 36000, INF},
	{RLIMIT_FSIZE, "FSIZE", 1ull << 32, 1ull << 33},
	{RLIMIT_DATA, "DATA", 1ull << 36, INF},
	{RLIMIT_STACK, "STACK", 4 << 20, INF},
	{RLIMIT_CORE, "CORE", 0, 1 << 20},
	{RLIMIT_RSS, "RSS", 1ull << 30, INF},
	{RLIMIT_NPROC, "NPROC", 10000, 20000},
	{RLIMIT_NOFILE, "NOFILE", 1000, 1010},
	{RLIMIT_MEMLOCK, "MEMLOCK", 64 << 10, 128 << 10},
	{RLIMIT_AS, "AS", 1ull << 42, 1ull << 43},
	{RLIMIT_LOCKS, "LOCKS", 100, 200},
	{RLIMIT_SIGPENDING, "SIGPENDING", 1, 200},
	{RLIMIT_MSGQUEUE, "MSGQUEUE", 4096, 8192},
	{RLIMIT_NICE, "NICE", 0, 5},
	{RLIMIT_RTPRIO, "RTPRIO", 0, 3},
	{RLIMIT_RTTIME, "RTTIME", 500000, 1000000},
};

#define NR (int)(sizeof(lims) / sizeof(lims[0]))

int main(int argc, char **argv)
{
	struct timespec zero = {0, 0};
	struct rlimit want[NR], r;
	union sigval v;
	siginfo_t si;
	sigset_t rt;
	int i;

	test_init(argc, argv);
	sigemptyset(&rt);
	sigaddset(&rt, SIGRTMIN);
	sigprocmask(SIG_BLOCK, &rt, NULL);
	for (i = 0; i < 3; i++) {
		v.sival_int = 100 + i;
		if (sigqueue(getpid(), SIGRTMIN, v))
			fail("sigqueue %d: %m", i);
	}
	if (NR != RLIMIT_NLIMITS)
		fail("the test knows %d limits, the headers %d", NR, (int)RLIMIT_NLIMITS);
	for (i = 0; i < NR; i++) {
		if (getrlimit(lims[i].res, &r))
			fail("getrlimit(%s): %m", lims[i].name);
		/* Only lower: keep within the hard limit we were given. */
		want[i].rlim_max = lims[i].hard < r.rlim_max ? lims[i].hard : r.rlim_max;
		want[i].rlim_cur =
			lims[i].soft < want[i].rlim_max ? lims[i].soft : want[i].rlim_max;
		if (setrlimit(lims[i].res, &want[i]))
			fail("setrlimit(%s): %m", lims[i].name);
	}
	test_daemon();
	test_waitsig();

	for (i = 0; i < NR; i++) {
		getrlimit(lims[i].res, &r);
		if (r.rlim_cur != want[i].rlim_cur || r.rlim_max != want[i].rlim_max)
			fail("RLIMIT_%s is %llu/%llu, expected %llu/%llu", lims[i].name,
			     (unsigned long long)r.rlim_cur, (unsigned long long)r.rlim_max,
			     (unsigned long long)want[i].rlim_cur,
			     (unsigned long long)want[i].rlim_max);
	}
	for (i = 0; i < 3; i++) {
		if (sigtimedwait(&rt, &si, &zero) != SIGRTMIN)
			fail("queued SIGRTMIN %d of 3 is not pending: %m", i + 1);
		else if (si.si_value.sival_int != 100 + i)
			fail("queued SIGRTMIN %d carries %d, expected %d", i + 1,
			     si.si_value.sival_int, 100 + i);
	}
	return test_done();
}
