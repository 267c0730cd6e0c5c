/*
 * The dump runs in a worker process, a child of the tool. Signals sent to
 * the tool are forwarded to it, and if the tool itself is killed (SIGKILL
 * cannot be caught) the worker learns it through PR_SET_PDEATHSIG: either
 * way it finishes the syscall injection in flight, resumes the tree and
 * exits. A tracer that dies mid-injection would leave a task running with
 * borrowed registers; this keeps the tracer alive through such a kill.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dump.h"
#include "log.h"

static volatile pid_t guard_worker;

static void guard_forward(int sig)
{
	if (guard_worker > 0)
		kill(guard_worker, sig);
}

static int guard_worker_main(pid_t tool, const struct opts *o, const struct dump_hooks *hooks)
{
	dump_install_signal_handlers();
	/* The tool may be gone already: then we must not start. */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) || getppid() != tool)
		return 1;
	return dump_run(o, hooks) ? 1 : 0;
}

int dump_run_guarded(const struct opts *o, const struct dump_hooks *hooks)
{
	pid_t tool = getpid(), w;
	int status;

	fflush(stdout);
	fflush(stderr);
	dump_catch_stop_signals(guard_forward);
	w = fork();
	if (w < 0) {
		pr_err("dump: cannot fork the dump worker: %s", strerror(errno));
		return 1;
	}
	if (w == 0)
		_exit(guard_worker_main(tool, o, hooks));
	guard_worker = w;
	while (waitpid(w, &status, 0) < 0) {
		if (errno != EINTR) {
			pr_err("dump: waiting for the dump worker: %s", strerror(errno));
			return 1;
		}
	}
	if (WIFSIGNALED(status)) {
		pr_err("dump: the dump worker was killed by signal %d", WTERMSIG(status));
		return 1;
	}
	return WEXITSTATUS(status);
}
