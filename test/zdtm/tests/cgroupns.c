/*
 * The root in its own cgroup namespace, made in a test cgroup (v1 pids and
 * memory, cgroup2), shared with its child: after restore /proc/self/cgroup
 * shows "/" in every hierarchy for both (they are at their namespace's
 * root), and from outside the test cgroups still hold them. The root then
 * joins a cgroup namespace outside (the runner's) to remove the test cgroups.
 */
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
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

/* Every line of /proc/self/cgroup ends in ":/". */
static void check_at_root(const char *who)
{
	FILE *f = fopen("/proc/self/cgroup", "r");
	char line[4096];

	while (f && fgets(line, sizeof(line), f)) {
		char *p = strrchr(line, ':');

		line[strcspn(line, "\n")] = '\0';
		if (!p || strcmp(p, ":/"))
			fail("%s: /proc/self/cgroup line '%s', want its path '/' (in its own "
			     "cgroup namespace at its root)",
			     who, line);
	}
	if (f)
		fclose(f);
}

/* Our pid is in the test cgroup of each hierarchy (seen from outside: the file lists pids). */
static void check_procs(pid_t pid, const char *who)
{
	for (int i = 0; i < NHIER; i++) {
		char p[4096], line[64];
		FILE *f;
		int found = 0;

		if (!cg[i].ok)
			continue;
		snprintf(p, sizeof(p), "%s%s/cgroup.procs", cg[i].mnt, cg[i].rel);
		f = fopen(p, "r");
		while (f && fgets(line, sizeof(line), f))
			found |= atoi(line) == pid;
		if (f)
			fclose(f);
		if (!found)
			fail("%s: pid %d is not in '%s'", who, (int)pid, p);
	}
}

/* Joins the cgroup namespace of some process outside ours (the runner's). 0 or -1. */
static int join_outer_cgroupns(void)
{
	struct stat self, st;
	struct dirent *de;
	DIR *d = opendir("/proc");
	int ret = -1;

	if (!d || stat("/proc/self/ns/cgroup", &self))
		goto out;
	while (ret && (de = readdir(d))) {
		char p[300];
		int fd;

		if (atoi(de->d_name) <= 1)
			continue;
		snprintf(p, sizeof(p), "/proc/%s/ns/cgroup", de->d_name);
		if (stat(p, &st) || st.st_ino == self.st_ino)
			continue;
		fd = open(p, O_RDONLY | O_CLOEXEC);
		if (fd >= 0 && !setns(fd, CLONE_NEWCGROUP))
			ret = 0;
		if (fd >= 0)
			close(fd);
	}
out:
	if (d)
		closedir(d);
	return ret;
}

int main(int argc, char **argv)
{
	pid_t child;
	int st, n = 0;

	test_init(argc, argv);
	for (int i = 0; i < NHIER; i++)
		n += !zcg_make(&cg[i], hiers[i][0], hiers[i][1], NULL, NULL);
	if (!n)
		test_skip("no cgroup hierarchy to make a test cgroup in");
	for (int i = 0; i < NHIER; i++)
		if (cg[i].ok && zcg_enter(&cg[i], ""))
			fail("entering %s test cgroup: %m", hiers[i][0]);
	if (unshare(CLONE_NEWCGROUP))
		test_skip("unshare(CLONE_NEWCGROUP): %m");
	child = fork();
	if (child == 0) {
		test_waitsig();
		check_at_root("child");
		exit(test_failures() ? 1 : 0);
	}
	test_daemon();
	test_waitsig();

	check_at_root("root");
	check_procs(getpid(), "root");
	check_procs(child, "child");
	kill(child, SIGTERM);
	st = wait_child(child, 10000);
	if (st < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
		fail("child: wait status 0x%x, expected exit 0", st);
	/* out of our namespace, whose root we cannot leave from inside */
	if (join_outer_cgroupns())
		fail("joining a cgroup namespace outside ours to clean up: %m");
	for (int i = 0; i < NHIER; i++)
		zcg_remove(&cg[i], NULL, NULL);
	return test_done();
}
