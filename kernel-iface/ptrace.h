/* ptrace mechanics: seize, interrupt, wait for stops, detach. No policy. */
#ifndef CRL_PTRACE_H
#define CRL_PTRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Default bound for a task to reach a stop. */
#define PTRACE_STOP_TIMEOUT_MS 5000

/*
 * PTRACE_SEIZE @tid with PTRACE_O_TRACESYSGOOD | @extra_opts, PTRACE_INTERRUPT
 * it and wait up to @timeout_ms for the interrupt stop. A signal that arrives
 * first is delivered (as it would have been), and the wait goes on.
 * *stop_sig (may be NULL) is the signal of the group stop the task was in
 * when seized (SIGSTOP, SIGTSTP, SIGTTIN or SIGTTOU: the one its parent's
 * wait reports), 0 when it was not stopped. Returns 0, -ESRCH if the task is gone,
 * -ETIMEDOUT if it did not stop (it is then detached again), or -errno.
 */
int ptrace_seize_stop(pid_t tid, unsigned long extra_opts, int timeout_ms, int *stop_sig);
/*
 * The two halves of ptrace_seize_stop, so that many tasks can be interrupted
 * at once and then waited for: their stops overlap instead of adding up.
 * ptrace_seize_interrupt leaves nothing behind when it fails;
 * ptrace_wait_interrupt detaches a task that did not stop in time.
 */
int ptrace_seize_interrupt(pid_t tid, unsigned long extra_opts);
int ptrace_wait_interrupt(pid_t tid, int timeout_ms, int *stop_sig);
/*
 * Waits up to @timeout_ms for @tid's next ptrace stop (or exit); *status
 * gets the wait status. Returns 0, -ESRCH when it exited, -ETIMEDOUT.
 */
int ptrace_wait_stop(pid_t tid, int *status, int timeout_ms);
/* Detaches, delivering @sig (0 for none). A vanished task is not an error. */
int ptrace_detach(pid_t tid, int sig);
/* Blocked signal mask of a stopped tracee (PTRACE_GETSIGMASK / SETSIGMASK). */
int ptrace_get_sigmask(pid_t tid, uint64_t *mask);
int ptrace_set_sigmask(pid_t tid, uint64_t mask);
/*
 * PTRACE_GETREGSET / SETREGSET of note type @type (NT_PRSTATUS...). *got
 * (may be NULL) receives the length the kernel filled.
 */
int ptrace_get_regset(pid_t tid, long type, void *buf, size_t len, size_t *got);
int ptrace_set_regset(pid_t tid, long type, const void *buf, size_t len);
/*
 * Seccomp filter @idx of a stopped tracee (0 is the oldest, the first installed), as raw
 * sock_filter instructions into @buf (room for @max of them); returns their
 * number, -ENOENT past the newest, -E2BIG if it does not fit, or -errno.
 * ptrace_seccomp_flags gives that filter's SECCOMP_FILTER_FLAG_* bits.
 * Both need CAP_SYS_ADMIN and a tracer not under seccomp itself.
 */
long ptrace_seccomp_filter(pid_t tid, unsigned long idx, void *buf, size_t max);
int ptrace_seccomp_flags(pid_t tid, unsigned long idx, uint64_t *flags);
/* The message of the last ptrace event stop (new tid after PTRACE_EVENT_CLONE). */
int ptrace_event_msg(pid_t tid, unsigned long *msg);

#endif
