/*
 * The root in its own time namespace (made by test_init with ARGS ns=time:
 * CLOCK_MONOTONIC +1000 s, CLOCK_BOOTTIME +2000 s), shared with its child.
 * After restore both are still in one namespace of their own with those
 * offsets, and CLOCK_MONOTONIC has not gone back (it would by 1000 s in the
 * tool's namespace).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "zdtmtst.h"

static double now(clockid_t clk)
{
	struct timespec t;

	clock_gettime(clk, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void check_offsets(const char *who)
{
	char buf[256] = {0};
	long long msec = -1, bsec = -1, ns;
	FILE *f = fopen("/proc/self/timens_offsets", "r");

	if (!f || fread(buf, 1, sizeof(buf) - 1, f) == 0) {
		fail("%s: reading /proc/self/timens_offsets: %m", who);
	} else if (sscanf(buf, "monotonic %lld %lld boottime %lld %lld", &msec, &ns, &bsec, &ns) !=
			   4 ||
		   msec != 1000 || bsec != 2000) {
		fail("%s: timens_offsets '%s', want monotonic 1000 and boottime 2000", who, buf);
	}
	if (f)
		fclose(f);
}

static void ns_link(char *buf, size_t len)
{
	ssize_t n = readlink("/proc/self/ns/time", buf, len - 1);

	buf[n > 0 ? n : 0] = '\0';
}

int main(int argc, char **argv)
{
	char ns0[64], ns1[64], cns[64];
	int st, p[2];
	double mono0;
	pid_t child;

	test_init(argc, argv);
	ns_link(ns0, sizeof(ns0));
	if (!ns0[0])
		test_skip("no time namespaces");
	check_offsets("root before dump");
	if (pipe(p))
		fail("pipe: %m");
	child = fork();
	if (child == 0) {
		test_waitsig();
		check_offsets("child");
		ns_link(cns, sizeof(cns));
		if (write(p[1], cns, sizeof(cns)) != sizeof(cns))
			exit(2);
		exit(test_failures() ? 1 : 0);
	}
	mono0 = now(CLOCK_MONOTONIC);
	test_daemon();
	test_waitsig();

	check_offsets("root");
	if (now(CLOCK_MONOTONIC) < mono0)
		fail("CLOCK_MONOTONIC went back from %.1f to %.1f s", mono0, now(CLOCK_MONOTONIC));
	ns_link(ns1, sizeof(ns1));
	kill(child, SIGTERM);
	st = wait_child(child, 10000);
	if (st < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
		fail("child: wait status 0x%x, expected exit 0", st);
	else if (read(p[0], cns, sizeof(cns)) != sizeof(cns) || strcmp(cns, ns1))
		fail("child is in time namespace %s, the root in %s", cns, ns1);
	return test_done();
}
