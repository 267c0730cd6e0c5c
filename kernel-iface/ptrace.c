#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>

#include "proc-stat.h"
#include "ptrace.h"

#ifndef PTRACE_EVENT_STOP
#define PTRACE_EVENT_STOP 128
#endif

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/*
 * A killed thread-group leader becomes a zombie that reports nothing to
 * waitpid(tid) until its other threads are reaped: without this look at
 * its state the wait would run into the deadline.
 */
static bool task_dead(pid_t tid)
{
	struct proc_stat st;
	int ret = proc_read_stat(tid, 0, &st);

	return ret == -ENOENT || ret == -ESRCH || (!ret && (st.state == 'Z' || st.state == 'X'));
}

/*
 * Waits for SIGCHLD, which the kernel sends the tracer for every ptrace stop
 * and exit of a tracee, at most @slice_us. SIGCHLD is blocked around the
 * whole wait (ptrace_wait_stop), so one that came since the last waitpid is
 * pending and ends this wait at once: no stop is slept through.
 */
static void wait_sigchld(const sigset_t *chld, long long slice_us)
{
	struct timespec ts = {slice_us / 1000000, (slice_us % 1000000) * 1000};

	sigtimedwait(chld, NULL, &ts);
}

static int wait_stop_blocked(pid_t tid, int *status, long long deadline, const sigset_t *chld)
{
	long long slice_us = 1000, now;
	unsigned int spins = 0;

	for (;;) {
		pid_t r = waitpid(tid, status, WNOHANG | __WALL);

		if (r == tid) {
			if (WIFEXITED(*status) || WIFSIGNALED(*status))
				return -ESRCH;
			return 0;
		}
		if (r < 0 && errno != EINTR)
			return errno == ECHILD ? -ESRCH : -errno;
		/* Injected syscalls finish in microseconds: a few yields catch them. */
		if (++spins < 8) {
			sched_yield();
			continue;
		}
		now = now_us();
		if (now > deadline)
			return -ETIMEDOUT;
		if (spins > 8 && task_dead(tid))
			return -ESRCH;
		wait_sigchld(chld, deadline - now < slice_us ? deadline - now + 1 : slice_us);
		/*
		 * A slice only bounds the look at a dead leader (no SIGCHLD until
		 * its threads are reaped) and a SIGCHLD another thread of a
		 * multi-threaded tool took first; it grows to 16 ms.
		 */
		if (slice_us < 16000)
			slice_us *= 2;
	}
}

int ptrace_wait_stop(pid_t tid, int *status, int timeout_ms)
{
	long long deadline = now_us() + (long long)timeout_ms * 1000;
	sigset_t chld, old;
	int ret;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	pthread_sigmask(SIG_BLOCK, &chld, &old);
	ret = wait_stop_blocked(tid, status, deadline, &chld);
	/* A SIGCHLD still pending goes to the caller's handler, or is dropped. */
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return ret;
}

int ptrace_seize_interrupt(pid_t tid, unsigned long extra_opts)
{
	int ret;

	if (ptrace(PTRACE_SEIZE, tid, NULL, (void *)(PTRACE_O_TRACESYSGOOD | extra_opts)))
		return -errno;
	if (ptrace(PTRACE_INTERRUPT, tid, NULL, NULL)) {
		ret = -errno;
		ptrace(PTRACE_DETACH, tid, NULL, NULL);
		return ret;
	}
	return 0;
}

int ptrace_wait_interrupt(pid_t tid, int timeout_ms, int *stop_sig)
{
	int status, ret;

	for (;;) {
		ret = ptrace_wait_stop(tid, &status, timeout_ms);
		if (ret) {
			if (ret == -ETIMEDOUT)
				ptrace(PTRACE_DETACH, tid, NULL, NULL);
			return ret;
		}
		if (!WIFSTOPPED(status))
			return -ESRCH;
		if ((status >> 16) == PTRACE_EVENT_STOP) {
			int sig = WSTOPSIG(status);

			/* An interrupt stop reports SIGTRAP; a group stop its stop signal. */
			if (stop_sig)
				*stop_sig = sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN ||
							    sig == SIGTTOU
						    ? sig
						    : 0;
			return 0;
		}
		/* A signal-delivery stop came first: deliver it and keep waiting. */
		if (ptrace(PTRACE_CONT, tid, NULL, (void *)(long)WSTOPSIG(status)))
			return -errno;
	}
}

int ptrace_seize_stop(pid_t tid, unsigned long extra_opts, int timeout_ms, int *stop_sig)
{
	int ret = ptrace_seize_interrupt(tid, extra_opts);

	return ret ?: ptrace_wait_interrupt(tid, timeout_ms, stop_sig);
}

int ptrace_detach(pid_t tid, int sig)
{
	if (ptrace(PTRACE_DETACH, tid, NULL, (void *)(long)sig) && errno != ESRCH)
		return -errno;
	return 0;
}

int ptrace_get_sigmask(pid_t tid, uint64_t *mask)
{
	if (ptrace(PTRACE_GETSIGMASK, tid, (void *)sizeof(*mask), mask))
		return -errno;
	return 0;
}

int ptrace_set_sigmask(pid_t tid, uint64_t mask)
{
	if (ptrace(PTRACE_SETSIGMASK, tid, (void *)sizeof(mask), &mask))
		return -errno;
	return 0;
}

int ptrace_event_msg(pid_t tid, unsigned long *msg)
{
	if (ptrace(PTRACE_GETEVENTMSG, tid, NULL, msg))
		return -errno;
	return 0;
}

int ptrace_get_regset(pid_t tid, long type, void *buf, size_t len, size_t *got)
{
	struct iovec iov = {buf, len};

	if (ptrace(PTRACE_GETREGSET, tid, (void *)type, &iov))
		return -errno;
	if (got)
		*got = iov.iov_len;
	return 0;
}

int ptrace_set_regset(pid_t tid, long type, const void *buf, size_t len)
{
	struct iovec iov = {(void *)buf, len};

	if (ptrace(PTRACE_SETREGSET, tid, (void *)type, &iov))
		return -errno;
	return 0;
}

#ifndef PTRACE_SECCOMP_GET_FILTER
#define PTRACE_SECCOMP_GET_FILTER 0x420c
#endif
#ifndef PTRACE_SECCOMP_GET_METADATA
#define PTRACE_SECCOMP_GET_METADATA 0x420d
#endif

long ptrace_seccomp_filter(pid_t tid, unsigned long idx, void *buf, size_t max)
{
	long n = ptrace(PTRACE_SECCOMP_GET_FILTER, tid, (void *)idx, NULL);

	/* Asked with no buffer first: the kernel would overrun a short one. */
	if (n < 0)
		return -errno;
	if ((size_t)n > max)
		return -E2BIG;
	n = ptrace(PTRACE_SECCOMP_GET_FILTER, tid, (void *)idx, buf);
	return n < 0 ? -errno : n;
}

int ptrace_seccomp_flags(pid_t tid, unsigned long idx, uint64_t *flags)
{
	struct {
		uint64_t filter_off, flags;
	} md = {idx, 0};

	if (ptrace(PTRACE_SECCOMP_GET_METADATA, tid, (void *)sizeof(md), &md) < 0)
		return -errno;
	*flags = md.flags;
	return 0;
}
