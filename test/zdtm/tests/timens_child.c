/*
 * A child in its own time namespace (CLOCK_MONOTONIC offset +1000 s): the
 * namespace cannot be restored, so the dump must refuse it rather than bring
 * the child back in its parent's namespace. The child checks its clock offset
 * and its namespace against the values it saw before.
 */
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "zdtmtst.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

#define OFFSET_S 1000

static double boot_minus_mono(void)
{
	struct timespec m, b;

	clock_gettime(CLOCK_MONOTONIC, &m);
	clock_gettime(CLOCK_BOOTTIME, &b);
	return (b.tv_sec - m.tv_sec) + (b.tv_nsec - m.tv_nsec) / 1e9;
}

int main(int argc, char **argv)
{
	char ns0[64] = {0}, ns1[64] = {0}, off[64];
	double gap0;
	pid_t child;
	int fd, n, st, own;

	test_init(argc, argv);
	own = open("/proc/self/ns/time", O_RDONLY);
	if (own < 0)
		test_skip("no time namespaces: %m");
	if (unshare(CLONE_NEWTIME))
		test_skip("unshare(CLONE_NEWTIME): %m");
	fd = open("/proc/self/timens_offsets", O_WRONLY);
	n = snprintf(off, sizeof(off), "monotonic %d 0", OFFSET_S);
	if (fd < 0 || write(fd, off, (size_t)n) != n)
		test_skip("timens_offsets: %m");
	close(fd);
	child = fork();
	if (child == 0) {
		if (readlink("/proc/self/ns/time", ns0, sizeof(ns0) - 1) < 0)
			fail("readlink: %m");
		gap0 = boot_minus_mono();
		test_waitsig();
		if (readlink("/proc/self/ns/time", ns1, sizeof(ns1) - 1) < 0 || strcmp(ns0, ns1))
			fail("child: time namespace %s after restore, expected %s", ns1, ns0);
		if (boot_minus_mono() - gap0 > 1 || gap0 - boot_minus_mono() > 1)
			fail("child: BOOTTIME - MONOTONIC is %.1f s after restore, was %.1f s",
			     boot_minus_mono(), gap0);
		exit(test_failures() ? 1 : 0);
	}
	/* The root's own children go back to its namespace: only the child differs. */
	if (setns(own, CLONE_NEWTIME))
		fail("setns(time): %m");
	close(own);
	test_daemon();
	test_waitsig();

	kill(child, SIGTERM);
	st = wait_child(child, 10000);
	if (st < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
		fail("child: wait status 0x%x, expected exit 0", st);
	return test_done();
}
