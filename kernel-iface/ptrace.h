/* ptrace mechanics: seize, interrupt, wait for stops, detach. No policy. */
#ifndef CRL_PTRACE_H
#define CRL_PTRACE_H

#include <stdbool.h>
#include <sys/types.h>

/*
 * PTRACE_SEIZE @tid with TRACESYSGOOD (and @extra_opts) and PTRACE_INTERRUPT it;
 * waits up to @timeout_ms for the stop. Returns 0, -ESRCH if it vanished,
 * -ETIMEDOUT if it did not stop, or -errno.
 */
int ptrace_seize_stop(pid_t tid, unsigned long extra_opts, int timeout_ms);
/*
 * Waits for @tid's next ptrace stop; *status gets the wait status. Stops for
 * signals other than @want_sig are not swallowed: their signal is returned
 * via *pending_sig (0 if none) so the caller can re-deliver it at detach.
 */
int ptrace_wait_stop(pid_t tid, int *status, int timeout_ms);
/* Detaches, delivering @sig (0 for none). */
int ptrace_detach(pid_t tid, int sig);
/* Reads the blocked signal mask of a stopped tracee (PTRACE_GETSIGMASK). */
int ptrace_get_sigmask(pid_t tid, uint64_t *mask);
int ptrace_set_sigmask(pid_t tid, uint64_t mask);

#endif
