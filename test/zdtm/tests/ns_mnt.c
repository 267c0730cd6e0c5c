/*
 * The root as the init of its own pid namespace with its own mount
 * namespace, where /proc is that pid namespace's (--ns=pid,mnt): after
 * restore, /proc still shows the namespace: /proc/self is 1, /proc lists
 * exactly the test's two processes (1 and 2), and /proc/2/status is its
 * child's; the mounts are private (a mount made now does not show outside,
 * which the runner would see as a leftover).
 */
#include <ctype.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

static void check_proc(void)
{
	char self[32] = {0}, path[64], line[256];
	int n = 0, pids[8];
	struct dirent *e;
	DIR *d = opendir("/proc");
	FILE *f;

	if (readlink("/proc/self", self, sizeof(self) - 1) < 0 || strcmp(self, "1"))
		fail("/proc/self is '%s', want '1' (not this pid namespace's /proc)", self);
	while (d && (e = readdir(d)))
		if (isdigit((unsigned char)e->d_name[0]) && n < 8)
			pids[n++] = atoi(e->d_name);
	if (d)
		closedir(d);
	if (n != 2 || !((pids[0] == 1 && pids[1] == 2) || (pids[0] == 2 && pids[1] == 1)))
		fail("/proc lists %d processes (first %d), want exactly 1 and 2", n,
		     n ? pids[0] : -1);
	snprintf(path, sizeof(path), "/proc/2/status");
	f = fopen(path, "r");
	if (!f || !fgets(line, sizeof(line), f) || !strstr(line, "ns_mnt"))
		fail("/proc/2/status: first line '%s', want the child's name", f ? line : "");
	if (f)
		fclose(f);
}

int main(int argc, char **argv)
{
	pid_t pid;
	int st;

	test_init(argc, argv);
	if (getpid() != 1)
		test_skip("not the init of a pid namespace (--ns=pid,mnt): pid %d", getpid());
	pid = fork();
	if (pid == 0) {
		test_waitsig();
		exit(0);
	}
	test_daemon();
	test_waitsig();

	check_proc();
	kill(pid, SIGTERM);
	st = wait_child(pid, 10000);
	if (st < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
		fail("child: wait status 0x%x, expected exit 0", st);
	return test_done();
}
