/*
 * A zombie that leads a process group: the group lives on with its other
 * member, and both keep their pgid across checkpoint/restore (the restored
 * zombie must exist as the group's leader for the member to join it).
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

int main(int argc, char **argv)
{
	struct timespec ts = {0, 5 * 1000 * 1000};
	int go[2], st, i;
	pid_t leader, member;
	char c;

	test_init(argc, argv);
	if (pipe(go))
		fail("pipe: %m");
	leader = fork();
	if (leader == 0) {
		setpgid(0, 0);
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		_exit(7);
	}
	setpgid(leader, leader);
	member = fork();
	if (member == 0) {
		close(go[1]);
		if (setpgid(0, leader))
			fail("member: setpgid(0, %d): %m", leader);
		test_waitsig();
		if (getpgid(0) != leader)
			fail("member %d: pgid %d after restore, expected %d (the zombie leader)",
			     getpid(), getpgid(0), leader);
		exit(test_failures() ? 1 : 0);
	}
	setpgid(member, leader);
	close(go[0]);
	if (write(go[1], "x", 1) != 1)
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
