/*
 * Membership of cgroups: the root moves itself into sub-cgroup "a" and its
 * child into "b" of a test cgroup made below its own, in the v1 pids and
 * memory hierarchies and in cgroup2; after restore /proc/self/cgroup of
 * each shows the same cgroups (criu-lite --manage-cgroups, default soft).
 * The test cgroups are removed at the end.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"
#include "zdtm-cgroup.h"

static const char *const hiers[][2] = {{"pids", "pids"}, {"memory", "memory"}, {"unified", ""}};
#define NHIER 3

static struct zcg cg[NHIER];

static void check_member(const char *who, const char *sub)
{
	for (int i = 0; i < NHIER; i++) {
		char want[4096], have[4096];

		if (!cg[i].ok)
			continue;
		snprintf(want, sizeof(want), "%s/%s", cg[i].rel, sub);
		if (zcg_self(hiers[i][1], have, sizeof(have)))
			fail("%s: no %s line in /proc/self/cgroup", who, hiers[i][0]);
		else if (strcmp(have, want))
			fail("%s: %s cgroup '%s', want '%s'", who, hiers[i][0], have, want);
	}
}

int main(int argc, char **argv)
{
	pid_t child;
	int st, n = 0, sync[2];
	char c;

	test_init(argc, argv);
	for (int i = 0; i < NHIER; i++)
		n += !zcg_make(&cg[i], hiers[i][0], hiers[i][1], "a", "b");
	if (!n)
		test_skip("no cgroup hierarchy to make a test cgroup in");
	if (pipe(sync))
		test_skip("pipe: %m");
	child = fork();
	if (child == 0) {
		close(sync[0]);
		for (int i = 0; i < NHIER; i++)
			if (cg[i].ok && zcg_enter(&cg[i], "b"))
				fail("child: entering %s cgroup b: %m", hiers[i][0]);
		close(sync[1]); /* in b: the dump may begin */
		test_waitsig();
		check_member("child", "b");
		exit(test_failures() ? 1 : 0);
	}
	for (int i = 0; i < NHIER; i++)
		if (cg[i].ok && zcg_enter(&cg[i], "a"))
			fail("entering %s cgroup a: %m", hiers[i][0]);
	close(sync[1]);
	if (read(sync[0], &c, 1) != 0)
		fail("child: no end of its setup");
	close(sync[0]);
	test_daemon();
	test_waitsig();

	check_member("root", "a");
	kill(child, SIGTERM);
	st = wait_child(child, 10000);
	if (st < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
		fail("child: wait status 0x%x, expected exit 0", st);
	for (int i = 0; i < NHIER; i++)
		zcg_remove(&cg[i], "a", "b");
	return test_done();
}
