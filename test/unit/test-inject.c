/*
 * Syscall injection and thread-state round trips on a live child:
 * - injected syscalls run in the child (getpid, mmap, rt_sigaction);
 * - the child's registers, mask, memory map and an interrupted nanosleep
 *   are exactly as before once injection ends (it checks itself);
 * (Thread state through core images is test-arch-live's subject.)
 * Needs ptrace rights over a child (root or same uid without Yama).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "arch.h"
#include "inject.h"
#include "log.h"
#include "ptrace.h"
#include "tap.h"

static void handler(int sig)
{
	(void)sig;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Sleeps 600 ms in one nanosleep, which the parent interrupts by seizing. */
static int child_main(void)
{
	struct sigaction sa = {.sa_handler = handler, .sa_flags = SA_RESTART};
	struct timespec req = {0, 600 * 1000 * 1000};
	sigset_t set;
	double t0;
	int r;

	sigaction(SIGUSR1, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, NULL);
	t0 = now();
	r = (int)syscall(SYS_nanosleep, &req, NULL);
	if (r != 0)
		return 10 + errno % 100; /* the interrupted sleep did not restart */
	if (now() - t0 < 0.55)
		return 3; /* it returned early */
	sigprocmask(SIG_SETMASK, NULL, &set);
	if (!sigismember(&set, SIGUSR2) || sigismember(&set, SIGUSR1))
		return 4; /* mask changed */
	return 0;
}

static char *read_maps(pid_t pid)
{
	char path[64], *buf = calloc(1, 1 << 16);
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "r");
	if (f && buf)
		buf[fread(buf, 1, (1 << 16) - 1, f)] = 0;
	if (f)
		fclose(f);
	return buf;
}

/* A child group-stopped by SIGTSTP is seized with its stop signal reported. */
static void test_stop_signal(void)
{
	siginfo_t si = {0};
	int sig = -1, st;
	pid_t pid = fork();

	if (pid == 0) {
		setpgid(0, 0); /* its own group, not orphaned: SIGTSTP stops it */
		raise(SIGTSTP);
		_exit(0);
	}
	setpgid(pid, pid);
	waitid(P_PID, pid, &si, WSTOPPED | WNOWAIT);
	ok(ptrace_seize_stop(pid, 0, 2000, &sig) == 0 && sig == SIGTSTP,
	   "a task stopped by SIGTSTP is seized with stop signal %d (got %d)", SIGTSTP, sig);
	ptrace_detach(pid, 0);
	kill(pid, SIGCONT);
	waitpid(pid, &st, 0);
}

int main(void)
{
	struct sigaction old;
	struct inject in;
	char *before, *after;
	int status;
	long r;
	pid_t pid;

	log_init(LOG_ERROR, NULL);
	pid = fork();
	if (pid == 0)
		_exit(child_main());
	usleep(100 * 1000); /* let it enter nanosleep */

	ok(ptrace_seize_stop(pid, 0, 2000, NULL) == 0, "child seized and stopped");
	before = read_maps(pid);
	ok(inject_begin(&in, pid) == 0, "injection starts (syscall found in [vdso])");
	ok(inject_call(&in, SYS_getpid, 0, 0, 0, 0, 0, 0) == pid,
	   "injected getpid returns child pid");
	ok(inject_map_scratch(&in, 0, 4096) == 0 && in.scratch, "scratch page mapped in the child");
	r = inject_call(&in, SYS_rt_sigaction, SIGUSR1, 0, in.scratch, 8, 0, 0);
	ok(r == 0, "injected rt_sigaction reads a handler");
	memset(&old, 0, sizeof(old));
	ok(inject_read(&in, in.scratch, &old, sizeof(void *)) == 0 &&
		   (void *)old.sa_handler == (void *)handler,
	   "the child's SIGUSR1 handler is seen");
	ok(inject_call(&in, SYS_munmap, 1, 4096, 0, 0, 0, 0) == -EINVAL,
	   "a failing syscall returns its errno");
	{
		unsigned long good = in.insn;

		in.insn = 0x1000; /* unmapped: the task faults instead of entering a syscall */
		ok(inject_call(&in, SYS_getpid, 0, 0, 0, 0, 0, 0) == -EFAULT,
		   "a faulting injection fails with EFAULT instead of looping");
		in.insn = good;
		ok(inject_call(&in, SYS_getpid, 0, 0, 0, 0, 0, 0) == pid,
		   "injection still works after a fault");
	}
	ok(inject_end(&in) == 0, "injection ends");
	after = read_maps(pid);
	ok(before && after && strcmp(before, after) == 0, "no mapping left behind");
	ok(ptrace_detach(pid, 0) == 0, "child detached");
	ok(waitpid(pid, &status, 0) == pid && WIFEXITED(status), "child exits normally");
	ok(WEXITSTATUS(status) == 0,
	   "child: interrupted nanosleep restarted, mask intact (code %d)", WEXITSTATUS(status));
	ok(ptrace_seize_stop(pid, 0, 100, NULL) == -ESRCH, "seizing a reaped pid says ESRCH");
	free(before);
	free(after);
	test_stop_signal();
	return tap_done();
}
