/*
 * Restore, phase 3: seize every new process (paused in the tool's code),
 * rebuild it through injection, then set every thread's final registers,
 * signal mask and pending signals, and detach all at once.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "action.h"
#include "inject.h"
#include "log.h"
#include "proc-stat.h"
#include "ptrace.h"
#include "restore.h"
#include "restore-lazy.h"
#include "restore-scratch.h"

#include "signal.pb-c.h"

#define RST_SEIZE_TIMEOUT_MS 5000
#define RST_SIGINFO_SIZE 128
#define RST_RAN_TIMEOUT_MS 1000

static uint64_t rst_thread_sigmask(const struct rst_task *t, const struct rst_thread *th)
{
	const ThreadCoreEntry *thc = th->core->thread_core;

	if (thc && thc->has_blk_sigset)
		return thc->blk_sigset;
	return t->th[0].core->tc->blk_sigset;
}

/* Queues saved siginfo; signals are blocked while injecting, so they wait. */
static int rst_queue(struct rst_task *t, struct inject *in, pid_t tid, const SignalQueueEntry *q)
{
	const struct rst_scratch sc = rst_scratch_of(in);

	for (size_t i = 0; q && i < q->n_signals; i++) {
		const ProtobufCBinaryData *b = &q->signals[i]->siginfo;
		unsigned long at = 0;
		int sig;
		long r;

		if (b->len < 4 || b->len > RST_SIGINFO_SIZE)
			continue;
		memcpy(&sig, b->data, sizeof(sig));
		r = rst_scratch_put(in, &sc, RST_SCR_SIGINFO, 0, b->data, b->len, &at);
		if (!r && tid)
			r = inject_call(in, SYS_rt_tgsigqueueinfo, (unsigned long)t->vpid,
					(unsigned long)tid, (unsigned long)sig, at, 0, 0);
		else if (!r)
			r = inject_call(in, SYS_rt_sigqueueinfo, (unsigned long)t->vpid,
					(unsigned long)sig, at, 0, 0, 0);
		if (r) {
			pr_err("pid %d: cannot queue pending signal %d: %s", t->pid, sig,
			       strerror((int)-r));
			return (int)r;
		}
	}
	return 0;
}

static int rst_pending(struct rst_task *t, struct inject *in)
{
	int ret = rst_queue(t, in, 0, t->th[0].core->tc->signals_s);

	for (size_t i = 0; !ret && i < t->nr_th; i++) {
		const ThreadCoreEntry *thc = t->th[i].core->thread_core;

		if (thc)
			ret = rst_queue(t, in, t->th[i].vtid, thc->signals_p); /* inside it */
	}
	return ret;
}

/*
 * A process whose group's leader was created after it (a zombie leader
 * forked later) could not join the group then; every process exists now.
 */
static int rst_join_group(struct rst_ctx *c, struct rst_task *t, struct inject *in)
{
	pid_t want = rst_task_pgid(c, t);
	long r;

	/*
	 * 0: a group outside its pid namespace, the one it was created in. Its
	 * group is asked inside it: the recorded ids are its namespace's.
	 */
	if (!want || inject_call(in, SYS_getpgid, 0, 0, 0, 0, 0, 0) == want)
		return 0;
	r = inject_call(in, SYS_setpgid, 0, (unsigned long)want, 0, 0, 0, 0);
	if (r)
		pr_err("pid %d: joining its process group %d: %s", t->pid, want, strerror((int)-r));
	return (int)r;
}

static int rst_rebuild_task(struct rst_ctx *c, struct rst_task *t)
{
	struct inject in;
	struct rst_scratch sc;
	int ret;

	/* Threads cloned later inherit the options, the seccomp suspension included. */
	ret = ptrace_seize_stop(
		t->pid, PTRACE_O_TRACECLONE | (c->seccomp_used ? PTRACE_O_SUSPEND_SECCOMP : 0),
		RST_SEIZE_TIMEOUT_MS, NULL);
	if (ret) {
		pr_err("pid %d: cannot seize the new process: %s", t->pid, strerror(-ret));
		return ret;
	}
	t->seized = true;
	ret = inject_begin(&in, t->pid);
	if (ret)
		return ret;
	in.restoring = true;
	ret = rst_mm_restore(c, t, &in);
	sc = rst_scratch_of(&in); /* mapped by rst_mm_restore */
	if (!ret)
		ret = rst_join_group(c, t, &in);
	if (!ret)
		ret = rst_task_restore(c, t, &in);
	if (!ret)
		ret = rst_threads_create(c, t, &in);
	/* Its threads exist (/proc/TID/...), no seccomp filter stops the opens yet. */
	if (!ret)
		ret = rst_procfile_fds(c, t, &in);
	if (!ret)
		ret = rst_pending(t, &in);
	if (!ret)
		ret = rst_locks_restore(c, t, &in);
	/* Timers may signal a thread (SIGEV_THREAD_ID): after the threads. Limits after
	 * everything they could refuse (queued signals over RLIMIT_SIGPENDING). */
	if (!ret)
		ret = rst_task_restore_late(t, &in);
	if (!ret)
		ret = rst_seccomp_restore(c, &t->th[0], &in, &sc);
	if (!ret)
		ret = rst_creds_restore(t, &t->th[0], &in, &sc);
	if (!ret)
		ret = rst_task_pdeath(c, t, &t->th[0], &in);
	if (!ret && t->mm->has_dumpable)
		inject_call(&in, SYS_prctl, PR_SET_DUMPABLE, (unsigned long)t->mm->dumpable, 0, 0,
			    0, 0);
	if (ret)
		return ret;
	return inject_end(&in);
}

static int rst_set_final(struct rst_task *t)
{
	for (size_t i = 0; i < t->nr_th; i++) {
		struct rst_thread *th = &t->th[i];
		int ret = arch_set_thread_state(th->tid, th->st);

		if (!ret)
			ret = ptrace_set_sigmask(th->tid, rst_thread_sigmask(t, th));
		if (ret) {
			pr_err("thread %d: cannot set its registers: %s", th->tid, strerror(-ret));
			return ret;
		}
	}
	return 0;
}

/*
 * Whether process group @pgid of session @sid is orphaned: no member has a
 * parent in the same session but another group. The kernel discards
 * SIGTSTP, SIGTTIN and SIGTTOU sent to such a group (POSIX job control).
 */
static bool rst_pgrp_orphaned(pid_t pgid, pid_t sid)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	bool orphaned = true;

	if (!d)
		return true;
	while (orphaned && (e = readdir(d))) {
		struct proc_stat st, pst;
		pid_t pid = (pid_t)atoi(e->d_name);

		if (pid <= 0 || proc_read_stat(pid, 0, &st) || st.pgid != pgid)
			continue;
		if (!proc_read_stat(st.ppid, 0, &pst) && pst.pgid != pgid && pst.sid == sid)
			orphaned = false;
	}
	closedir(d);
	return orphaned;
}

/*
 * The signal that stops @t again when it is let go: its recorded one, or
 * SIGSTOP where the kernel would discard that one (an orphaned group).
 */
static int rst_stop_signal(const struct rst_task *t)
{
	pid_t pgid = getpgid(t->pid), sid = getsid(t->pid);

	if (t->stop_sig == SIGSTOP || !rst_pgrp_orphaned(pgid, sid))
		return t->stop_sig;
	pr_warn("pid %d was stopped by signal %d, which the kernel discards in its orphaned "
		"process group %d: stopped by SIGSTOP instead",
		t->pid, t->stop_sig, pgid);
	return SIGSTOP;
}

/*
 * CPU time @tid has run so far (the first field of /proc/TID/schedstat, in
 * ns), or UINT64_MAX when it cannot be read (the thread is gone, or the
 * kernel has no schedstat).
 */
static uint64_t rst_thread_runtime(pid_t tid)
{
	char path[64], buf[128];
	unsigned long long ns;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return UINT64_MAX;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return UINT64_MAX;
	buf[n] = '\0';
	return sscanf(buf, "%llu", &ns) == 1 ? (uint64_t)ns : UINT64_MAX;
}

struct rst_ran {
	pid_t tid;
	uint64_t runtime; /* before the detach */
};

/*
 * Waits (up to RST_RAN_TIMEOUT_MS) until every thread set running has been
 * on a CPU since @ran was taken. A thread restored inside a blocking call
 * (nanosleep, a read) re-issues it as its first instruction: until it has run,
 * a signal sent to it would run its handler before the call, which then
 * blocks, where the original was interrupted in the call. Once each has run,
 * the tree behaves as the dumped one for whoever signals it next.
 */
static void rst_wait_ran(struct rst_ran *ran, size_t n)
{
	struct timespec t0, now;
	size_t left = n;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (now = t0;
	     left && (now.tv_sec - t0.tv_sec) * 1000 + (now.tv_nsec - t0.tv_nsec) / 1000000 <
			     RST_RAN_TIMEOUT_MS;) {
		left = 0;
		for (size_t i = 0; i < n; i++) {
			uint64_t rt;

			if (!ran[i].tid)
				continue;
			rt = rst_thread_runtime(ran[i].tid);
			if (rt == UINT64_MAX || rt != ran[i].runtime)
				ran[i].tid = 0;
			else
				left++;
		}
		if (left)
			usleep(1000);
		clock_gettime(CLOCK_MONOTONIC, &now);
	}
	if (left)
		pr_info("restore: %zu thread(s) not on a CPU yet %d ms after the tree was let run",
			left, RST_RAN_TIMEOUT_MS);
}

int rst_rebuild_all(struct rst_ctx *c)
{
	struct rst_ran *ran;
	size_t nr_ran = 0;
	int ret;

	for (size_t i = 0; i < c->nr_tasks; i++) {
		if (c->tasks[i].zombie)
			continue;
		ret = rst_rebuild_task(c, &c->tasks[i]);
		if (!ret)
			ret = rst_set_final(&c->tasks[i]);
		if (ret)
			return ret;
	}
	ret = rst_tty_apply(c); /* --shell-job: the job's terminal settings, last */
	if (ret)
		return ret;
	/* The tool's copies of staged memory must be gone before the tree writes to it. */
	rst_stage_release_wait(c->stage);
	/* criu's last stages before the tree runs; a refusal kills the tree */
	ret = action_run(c->o, ACTION_POST_RESTORE, c->tasks[0].pid);
	if (!ret)
		ret = action_run(c->o, ACTION_PRE_RESUME, 0);
	/* --lazy-pages: the server's guard holds every uffd before the tree runs */
	if (!ret)
		ret = rst_lazy_go(c);
	if (ret)
		return ret;
	for (size_t i = 0; i < c->nr_tasks; i++)
		nr_ran += c->tasks[i].seized && !c->tasks[i].stopped ? c->tasks[i].nr_th : 0;
	ran = calloc(nr_ran ? nr_ran : 1, sizeof(*ran)); /* NULL: no wait, as before */
	nr_ran = 0;
	/* Everything is in place: let the whole tree run. */
	for (size_t i = 0; i < c->nr_tasks; i++) {
		struct rst_task *t = &c->tasks[i];

		int stop = t->stopped && t->seized ? rst_stop_signal(t) : 0;

		for (size_t j = 0; t->seized && j < t->nr_th; j++) {
			if (ran && !t->stopped)
				ran[nr_ran++] = (struct rst_ran){t->th[j].tid,
								 rst_thread_runtime(t->th[j].tid)};
			ptrace_detach(t->th[j].tid, j == 0 ? stop : 0);
		}
		t->seized = false;
	}
	if (ran)
		rst_wait_ran(ran, nr_ran);
	free(ran);
	return 0;
}
