/*
 * A zombie that leads a process group: the group lives on with its other
 * member, and both keep their pgid across checkpoint/restore (the restored
 * zombie must exist as the group's leader for the member to join it).
 * With member_first=1 the member is forked before its leader, so a restore
 * that creates processes in pid order meets the member first.
 */
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "zdtmtst.h"

static int is_zombie(pid_t pid)
{
	siginfo_t si = {0};

	return waitid(P_PID, pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pid;
}

static pid_t fork_leader(int go)
{
	pid_t pid = fork();
	char c;

	if (pid == 0) {
		setpgid(0, 0);
		if (read(go, &c, 1) != 1)
			_exit(1);
		_exit(7);
	}
	setpgid(pid, pid);
	return pid;
}

/* The member learns its leader's pid from @info (the parent moves it into that group). */
static pid_t fork_member(int info)
{
	pid_t pid = fork(), leader = 0;

	if (pid == 0) {
		if (read(info, &leader, sizeof(leader)) != sizeof(leader))
			fail("member: no leader pid");
		test_waitsig();
		if (getpgid(0) != leader)
			fail("member %d: pgid %d after restore, expected %d (the zombie leader)",
			     getpid(), getpgid(0), leader);
		exit(test_failures() ? 1 : 0);
	}
	return pid;
}

int main(int argc, char **argv)
{
	struct timespec ts = {0, 5 * 1000 * 1000};
	int go[2], info[2], st, i;
	pid_t leader, member;

	test_init(argc, argv);
	if (pipe(go) || pipe(info))
		fail("pipe: %m");
	if (test_arg_long("member_first", 0)) {
		member = fork_member(info[0]);
		leader = fork_leader(go[0]);
	} else {
		leader = fork_leader(go[0]);
		member = fork_member(info[0]);
	}
	if (setpgid(member, leader))
		fail("setpgid(%d, %d): %m", member, leader);
	if (write(info[1], &leader, sizeof(leader)) != sizeof(leader) || write(go[1], "x", 1) != 1)
		fail("write: %m");
	for (i = 0; i < 1000 && !is_zombie(leader); i++)
		nanosleep(&ts, NULL);
	if (!is_zombie(leader))
		fail("leader %d did not become a zombie", leader);
	if (getpgid(member) != leader)
		fail("member %d: pgid %d, expected %d", member, getpgid(member), leader);
	test_daemon();
	test_waitsig();

	if (getpgid(member) != leader)
		fail("member %d: pgid %d after restore, expected %d", member, getpgid(member),
		     leader);
	if (getpgid(leader) != leader)
		fail("zombie %d: pgid %d after restore, expected its own", leader, getpgid(leader));
	kill(member, SIGTERM);
	st = wait_child(member, 10000);
	if (st < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
		fail("member: wait status 0x%x, expected exit 0", st);
	if (waitpid(leader, &st, WNOHANG) != leader)
		fail("zombie %d is gone: %m", leader);
	else if (!WIFEXITED(st) || WEXITSTATUS(st) != 7)
		fail("zombie %d: wait status 0x%x, expected exit 7", leader, st);
	return test_done();
}
