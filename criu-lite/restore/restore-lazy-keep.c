/*
 * restore --lazy-pages: what each restored process holds itself while its
 * pages are served, so that no death of the tool's helpers can make it read
 * zeros.
 *
 * Why: when the last reference to a userfaultfd closes, the kernel
 * unregisters its ranges and a thread waiting for a page (or touching one
 * later) gets a zero page (handle_userfault on a released context). Copies
 * held by helpers (the server and its guard) are released in their exit,
 * before anything they could do afterwards; both killed at once (a kill of
 * their session) used to leave the tree on zeros. So:
 *   - the process keeps its own uffd in its fd table (close-on-exec, above
 *     every fd it had): the context lives as long as the process does, and a
 *     missing page is waited for, never zero-filled;
 *   - it also keeps the read end of an "alarm" pipe whose write end only the
 *     helpers hold, armed with O_ASYNC, F_SETOWN = the process and F_SETSIG =
 *     SIGKILL: when the last writer goes (both helpers dead, however), the
 *     kernel's pipe_release signals the reader's owner (kill_fasync): the
 *     process is killed instead of waiting forever.
 * Once every page is in, the server disarms the alarm (clears O_ASYNC on the
 * shared description), unregisters the process's ranges and closes both fds
 * in the process by injection (checked with kcmp first: a process that
 * exec'd lost them and may reuse the numbers). See docs/restore-design.md,
 * "Lazy restore".
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "inject.h"
#include "log.h"
#include "proc-maps.h"
#include "ptrace.h"
#include "restore-lazy.h"
#include "restore-scratch.h"
#include "uffd.h"

#ifndef KCMP_FILE
#define KCMP_FILE 0
#endif

/* The lowest fd number the kept fds take: above the process's own, out of the way of open(). */
#define LZ_KEEP_FD_MIN 1000

static int lz_keep_min_fd(const struct rst_task *t)
{
	struct rlimit rl;
	int hi = -1;

	for (size_t i = 0; i < t->nr_fds; i++)
		if ((int)t->fds[i]->fd > hi)
			hi = (int)t->fds[i]->fd;
	/* procfile fds and the like are installed later at their numbers: stay above them */
	if (!prlimit(t->pid, RLIMIT_NOFILE, NULL, &rl) && rl.rlim_cur > LZ_KEEP_FD_MIN + 16 &&
	    hi < LZ_KEEP_FD_MIN)
		return LZ_KEEP_FD_MIN;
	return hi + 1;
}

/* In @t: fd @fd moved to the lowest free number >= @min (close-on-exec). The new number. */
static int lz_keep_move(struct rst_task *t, struct inject *in, int fd, int min)
{
	long r = inject_call(in, SYS_fcntl, (unsigned long)fd, F_DUPFD_CLOEXEC, (unsigned long)min,
			     0, 0, 0);

	inject_call(in, SYS_close, (unsigned long)fd, 0, 0, 0, 0, 0);
	if (r < 0)
		pr_err("pid %d: moving its lazy-restore fd %d above %d: %s", t->pid, fd, min,
		       strerror((int)-r));
	return (int)r;
}

/* The alarm pipe made in @t: its read end kept there at @min or above, both ends taken. */
static int lz_keep_alarm(struct rst_task *t, struct inject *in, int min, struct lz_keep *k)
{
	const struct rst_scratch sc = rst_scratch_of(in);
	unsigned long at;
	int p[2] = {-1, -1};
	long r;
	int ret = rst_scratch_at(&sc, RST_SCR_ARG, 0, sizeof(p), &at);

	if (ret)
		return ret;
	r = inject_call(in, SYS_pipe2, at, O_CLOEXEC, 0, 0, 0, 0);
	if (!r)
		r = rst_scratch_get(in, &sc, RST_SCR_ARG, 0, p, sizeof(p));
	if (r) {
		pr_err("pid %d: pipe2() in the process for the lazy-restore alarm: %s", t->pid,
		       strerror((int)-r));
		return (int)r;
	}
	k->alarm_w = uffd_steal_fd(t->pid, p[1]);
	inject_call(in, SYS_close, (unsigned long)p[1], 0, 0, 0, 0, 0);
	k->alarm_no = lz_keep_move(t, in, p[0], min);
	if (k->alarm_w < 0 || k->alarm_no < 0)
		return k->alarm_w < 0 ? k->alarm_w : k->alarm_no;
	k->alarm_r = uffd_steal_fd(t->pid, k->alarm_no);
	if (k->alarm_r < 0)
		return k->alarm_r;
	/* The owner is set by us (root): the kernel's sigio_perm lets it signal any process. */
	if (fcntl(k->alarm_r, F_SETSIG, SIGKILL) || fcntl(k->alarm_r, F_SETOWN, t->pid) ||
	    fcntl(k->alarm_r, F_SETFL, O_RDONLY | O_ASYNC)) {
		pr_err("pid %d: arming its lazy-restore alarm (O_ASYNC, SIGKILL): %s", t->pid,
		       strerror(errno));
		return -errno;
	}
	return 0;
}

void lz_keep_init(struct lz_keep *k)
{
	*k = (struct lz_keep){.uffd_no = -1, .alarm_no = -1, .alarm_r = -1, .alarm_w = -1};
}

void lz_keep_close(struct lz_keep *k)
{
	if (k->alarm_r >= 0)
		close(k->alarm_r);
	if (k->alarm_w >= 0)
		close(k->alarm_w);
	k->alarm_r = k->alarm_w = -1;
}

int lz_keep_make(struct rst_task *t, struct inject *in, int *uffd, struct lz_keep *k)
{
	long r = inject_call(in, SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK, 0, 0, 0, 0, 0);
	int min = lz_keep_min_fd(t), ret;

	lz_keep_init(k);
	*uffd = -1;
	if (r < 0) {
		pr_err("pid %d: userfaultfd() in the process: %s", t->pid, strerror((int)-r));
		return (int)r;
	}
	k->uffd_no = lz_keep_move(t, in, (int)r, min);
	if (k->uffd_no < 0)
		return k->uffd_no;
	*uffd = uffd_steal_fd(t->pid, k->uffd_no);
	if (*uffd < 0) {
		pr_err("pid %d: taking its userfaultfd (pidfd_getfd): %s", t->pid,
		       strerror(-*uffd));
		return *uffd;
	}
	ret = lz_keep_alarm(t, in, min, k);
	if (ret)
		lz_keep_close(k);
	return ret;
}

/* Is fd @no of @pid the description of our fd @ours? */
static bool lz_keep_same(pid_t pid, int ours, int no)
{
	return no >= 0 && ours >= 0 &&
	       syscall(SYS_kcmp, getpid(), pid, KCMP_FILE, (unsigned long)ours,
		       (unsigned long)no) == 0;
}

/* Closes the kept fds inside @pid by injection. */
static int lz_keep_close_in(pid_t pid, int uffd, const struct lz_keep *k)
{
	struct inject in;
	int sig = 0, ret = ptrace_seize_stop(pid, 0, PTRACE_STOP_TIMEOUT_MS, &sig);

	if (ret)
		return ret;
	ret = inject_begin(&in, pid);
	if (!ret) {
		if (lz_keep_same(pid, uffd, k->uffd_no))
			inject_call(&in, SYS_close, (unsigned long)k->uffd_no, 0, 0, 0, 0, 0);
		if (lz_keep_same(pid, k->alarm_r, k->alarm_no))
			inject_call(&in, SYS_close, (unsigned long)k->alarm_no, 0, 0, 0, 0, 0);
		ret = inject_end(&in);
	}
	ptrace_detach(pid, sig);
	return ret;
}

void lz_keep_release(pid_t pid, int uffd, struct lz_keep *k)
{
	struct proc_vma_list maps = {0};
	int ret;

	/* no alarm when the helpers exit now */
	if (k->alarm_r >= 0)
		fcntl(k->alarm_r, F_SETFL, O_RDONLY);
	/*
	 * Nothing stays registered: a child forked meanwhile holds a copy of the
	 * uffd that would keep the ranges registered with nobody serving them.
	 */
	if (uffd >= 0 && !proc_read_maps(pid, false, &maps)) {
		for (size_t i = 0; i < maps.n; i++) /* EINVAL on kinds never registered */
			if (!maps.v[i].shared)
				uffd_unregister(uffd, maps.v[i].start,
						maps.v[i].end - maps.v[i].start);
		proc_vma_list_free(&maps);
	}
	ret = pid > 0 && k->uffd_no >= 0 ? lz_keep_close_in(pid, uffd, k) : 0;
	if (ret && ret != -ESRCH)
		pr_warn("lazy restore: pid %d keeps its fds %d (userfaultfd) and %d (pipe), "
			"disarmed: it cannot be stopped to close them: %s",
			pid, k->uffd_no, k->alarm_no, strerror(-ret));
	lz_keep_close(k);
}
