/*
 * A child stopped by SIGTSTP comes back stopped by SIGTSTP, not SIGSTOP: its
 * parent's waitid(WSTOPPED) reports si_status SIGTSTP after restore. The
 * parent looks with WNOWAIT before the checkpoint, so the stop report is
 * still unconsumed when it checks. The child leads its own group (in the
 * root's session), so the group is not orphaned and SIGTSTP does stop it.
 */
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

int main(int argc, char **argv)
{
	siginfo_t si = {0};
	pid_t child;
	int st;

	test_init(argc, argv);
	child = fork();
	if (child == 0) {
		setpgid(0, 0);
		raise(SIGTSTP);
		_exit(33); /* after SIGCONT */
	}
	setpgid(child, child);
	if (waitid(P_PID, child, &si, WSTOPPED | WNOWAIT))
		fail("waitid(WSTOPPED | WNOWAIT): %m");
	else if (si.si_code != CLD_STOPPED || si.si_status != SIGTSTP)
		fail("child %d before checkpoint: si_code %d si_status %d, expected stopped by %d",
		     child, si.si_code, si.si_status, SIGTSTP);
	test_daemon();
	test_waitsig();

	si.si_pid = 0;
	if (waitid(P_PID, child, &si, WSTOPPED | WNOHANG))
		fail("waitid(WSTOPPED): %m");
	else if (si.si_pid != child)
		fail("child %d: no stop to report after restore (is it stopped?)", child);
	else if (si.si_code != CLD_STOPPED || si.si_status != SIGTSTP)
		fail("child %d after restore: si_code %d si_status %d, expected CLD_STOPPED (%d) "
		     "by SIGTSTP (%d)",
		     child, si.si_code, si.si_status, CLD_STOPPED, SIGTSTP);
	kill(child, SIGCONT);
	st = wait_child(child, 10000);
	if (st < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 33)
		fail("child after SIGCONT: wait status 0x%x, expected exit 33", st);
	return test_done();
}
