/* Zombie children keep their pid and exit status (code and signal). */
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
	pid_t exited, killed;
	int st, i;

	test_init(argc, argv);
	exited = fork();
	if (exited == 0)
		_exit(42);
	killed = fork();
	if (killed == 0) {
		for (;;)
			pause();
	}
	kill(killed, SIGKILL);
	for (i = 0; i < 1000 && !(is_zombie(exited) && is_zombie(killed)); i++)
		nanosleep(&ts, NULL);
	if (!is_zombie(exited) || !is_zombie(killed))
		fail("children did not become zombies");
	test_daemon();
	test_waitsig();

	if (waitpid(exited, &st, WNOHANG) != exited)
		fail("zombie %d is gone: %m", exited);
	else if (!WIFEXITED(st) || WEXITSTATUS(st) != 42)
		fail("zombie %d: wait status 0x%x, expected exit 42", exited, st);
	if (waitpid(killed, &st, WNOHANG) != killed)
		fail("zombie %d is gone: %m", killed);
	else if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGKILL)
		fail("zombie %d: wait status 0x%x, expected killed by SIGKILL", killed, st);
	return test_done();
}
