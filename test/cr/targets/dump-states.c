/*
 * Target for dump tests of task states: the parent keeps a zombie child
 * (never reaped) and a child stopped by SIGSTOP. RESULT.ready lists
 * "ZOMBIE_PID STOPPED_PID". SIGTERM: the parent kills and reaps both, exits.
 *
 * usage: dump-states RESULT
 */
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t got_term;

static void on_term(int sig)
{
	got_term = 1;
}

int main(int argc, char **argv)
{
	pid_t zombie, stopped;
	char ready[4200];
	siginfo_t si;
	FILE *f;

	if (argc < 2)
		return 2;
	signal(SIGTERM, on_term);
	zombie = fork();
	if (zombie == 0)
		_exit(7);
	stopped = fork();
	if (stopped == 0) {
		raise(SIGSTOP);
		for (;;)
			pause();
	}
	/* Wait until both are in their states, without reaping the zombie. */
	waitid(P_PID, zombie, &si, WEXITED | WNOWAIT);
	waitpid(stopped, NULL, WUNTRACED);
	snprintf(ready, sizeof(ready), "%s.ready", argv[1]);
	f = fopen(ready, "w");
	if (!f)
		return 1;
	fprintf(f, "%d %d\n", zombie, stopped);
	fclose(f);
	while (!got_term) {
		struct timespec ts = {0, 10000000};

		nanosleep(&ts, NULL);
	}
	kill(stopped, SIGKILL);
	waitpid(stopped, NULL, 0);
	waitpid(zombie, NULL, 0);
	return 0;
}
