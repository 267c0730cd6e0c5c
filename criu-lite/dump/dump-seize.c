/*
 * Freezing the tree: PTRACE_SEIZE + PTRACE_INTERRUPT every thread of the root
 * and of its children, recursively, re-listing threads until no new one shows
 * up. Undoing it (detach, or kill then detach) is always explicit.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <poll.h>
#include <sys/syscall.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include "array.h"
#include "cgroup-freezer.h"
#include "dump.h"
#include "log.h"
#include "proc-stat.h"
#include "proc-task.h"
#include "ptrace.h"

static volatile sig_atomic_t dump_stop_signal;

uint64_t dump_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static void dump_on_signal(int sig)
{
	dump_stop_signal = sig;
}

void dump_catch_stop_signals(void (*handler)(int))
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a blocking wait returns EINTR and we clean up sooner. */
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

void dump_install_signal_handlers(void)
{
	dump_catch_stop_signals(dump_on_signal);
}

int dump_checkpoint(struct dump_ctx *ctx, const char *phase)
{
	const char *pause_at = getenv("CRL_DUMP_PAUSE_AT");

	if (pause_at && !strcmp(pause_at, phase)) {
		fprintf(stderr, "dump: paused at %s\n", phase);
		fflush(stderr);
		while (!dump_stop_signal)
			usleep(10000);
	}
	if (dump_stop_signal) {
		pr_err("dump: interrupted by signal %d during %s; resuming the tree",
		       (int)dump_stop_signal, phase);
		return -EINTR;
	}
	return 0;
}

static int task_add(struct dump_ctx *ctx, pid_t pid, int parent)
{
	struct dump_task *t;

	for (size_t i = 0; i < ctx->nr_tasks; i++)
		if (ctx->tasks[i].pid == pid)
			return 0;
	if (ARRAY_GROW(ctx->tasks, ctx->nr_tasks))
		return -ENOMEM;
	t = &ctx->tasks[ctx->nr_tasks++];
	memset(t, 0, sizeof(*t));
	t->pid = pid;
	t->parent = parent;
	return 0;
}

static bool task_has_thread(const struct dump_task *t, pid_t tid)
{
	for (size_t i = 0; i < t->nr_threads; i++)
		if (t->threads[i].tid == tid)
			return true;
	return false;
}

static int thread_add(struct dump_task *t, pid_t tid, bool seized)
{
	if (ARRAY_GROW(t->threads, t->nr_threads))
		return -ENOMEM;
	t->threads[t->nr_threads].tid = tid;
	t->threads[t->nr_threads].seized = seized;
	t->nr_threads++;
	return 0;
}

/*
 * Seizes with PTRACE_O_SUSPEND_SECCOMP, so that what the dump injects is not
 * filtered (a filter may kill on any syscall). A tool without CAP_SYS_ADMIN
 * or under seccomp itself gets EPERM (EINVAL without CONFIG_CHECKPOINT_RESTORE):
 * it then seizes without, and filtered threads are refused (dump-seccomp.c).
 */
static int seize_one(struct dump_ctx *ctx, pid_t tid)
{
	int ret, plain;

	if (ctx->seccomp_unsuspended)
		return ptrace_seize_interrupt(tid, 0);
	ret = ptrace_seize_interrupt(tid, PTRACE_O_SUSPEND_SECCOMP);
	if (ret != -EPERM && ret != -EINVAL)
		return ret;
	/* EPERM also means a task that is exiting: only a plain seize tells. */
	plain = ptrace_seize_interrupt(tid, 0);
	if (!plain) {
		pr_debug("dump: PTRACE_O_SUSPEND_SECCOMP: %s: seccomp tasks are refused",
			 strerror(-ret));
		ctx->seccomp_unsuspended = true;
	}
	return plain;
}

/* A thread that could not be seized has exited (gone, or a zombie) meanwhile. */
static bool thread_exited(pid_t pid, pid_t tid)
{
	struct proc_stat st;
	int ret = proc_read_stat(pid, tid, &st);

	return ret == -ENOENT || ret == -ESRCH || (!ret && (st.state == 'Z' || st.state == 'X'));
}

/*
 * A thread another tracer holds (a debugger, strace, or a process of the
 * tree): the tool cannot seize it, and taking the tracer's place would lose
 * what the tracer expects (its stops, a pending SIGTRAP). Refused, logged.
 */
static bool thread_traced(const struct dump_ctx *ctx, pid_t pid, pid_t tid)
{
	struct proc_status st;
	bool inside = false;

	if (proc_read_status(pid, tid, &st) || !st.tracer_pid || st.tracer_pid == getpid())
		return false;
	for (size_t i = 0; i < ctx->nr_tasks; i++)
		inside |= ctx->tasks[i].pid == st.tracer_pid;
	pr_err("dump: thread %d of pid %d is traced by pid %d%s: a traced process cannot be "
	       "dumped; detach its tracer (quit the debugger or strace) and dump again",
	       tid, pid, st.tracer_pid, inside ? " (a process of the tree)" : "");
	return true;
}

/* Interrupts every thread of @tids not seized yet; pending[i] says which were. */
static int interrupt_threads(struct dump_ctx *ctx, struct dump_task *t, const pid_t *tids, size_t n,
			     bool *pending)
{
	for (size_t i = 0; i < n; i++) {
		int ret;

		if (task_has_thread(t, tids[i]))
			continue;
		ret = seize_one(ctx, tids[i]);
		/* ptrace refuses an exiting task with EPERM: it exited during the dump. */
		if (ret == -EPERM && thread_exited(t->pid, tids[i]))
			ret = -ESRCH;
		else if (ret == -EPERM && thread_traced(ctx, t->pid, tids[i]))
			return -EPERM;
		if (!ret)
			pending[i] = true;
		else if (ret == -ESRCH && tids[i] != t->pid)
			continue; /* the thread exited meanwhile */
		else if (ret == -ESRCH)
			return ret; /* the whole process is exiting: the caller looks again */
		else {
			pr_err("dump: cannot stop thread %d of pid %d: %s", tids[i], t->pid,
			       strerror(-ret));
			return ret;
		}
	}
	return 0;
}

/*
 * Waits for the interrupt stop of every pending thread, within one deadline
 * for them all. After a failure (@ret) the rest are still collected and let go.
 */
static int wait_threads(struct dump_task *t, const pid_t *tids, size_t n, const bool *pending,
			int ret, int *added)
{
	uint64_t deadline = dump_now_us() + DUMP_SEIZE_TIMEOUT_MS * 1000ull;

	for (size_t i = 0; i < n; i++) {
		uint64_t now = dump_now_us();
		int left = now < deadline ? (int)((deadline - now + 999) / 1000) : 1;
		int stop_sig = 0;
		int r;

		if (!pending[i])
			continue;
		r = ptrace_wait_interrupt(tids[i], left, &stop_sig);
		if (ret) {
			if (!r)
				ptrace_detach(tids[i], 0);
			continue;
		}
		if (r == -ESRCH && tids[i] != t->pid)
			continue; /* the thread exited meanwhile */
		if (r == -ESRCH) {
			ret = r;
			continue;
		}
		if (r) {
			pr_err("dump: cannot stop thread %d of pid %d: %s", tids[i], t->pid,
			       r == -ETIMEDOUT ? "it did not stop in time" : strerror(-r));
			ret = r;
			continue;
		}
		if (stop_sig && tids[i] == t->pid) {
			t->stopped = true;
			t->stop_sig = stop_sig;
		}
		ret = thread_add(t, tids[i], true);
		if (ret)
			ptrace_detach(tids[i], 0);
		else
			(*added)++;
	}
	return ret;
}

/*
 * One pass over /proc/PID/task; *added counts threads seized in this pass.
 * All new threads are interrupted first and waited for after, so their stops
 * overlap: sequential seizing cost one scheduling delay per thread (16 busy
 * threads: 50-390 ms on this loaded 2-core VM).
 */
static int seize_threads_once(struct dump_ctx *ctx, struct dump_task *t, int *added)
{
	pid_t *tids = NULL;
	bool *pending;
	size_t n = 0;
	int ret;

	ret = proc_list_threads(t->pid, &tids, &n);
	if (ret) {
		pr_err("dump: threads of pid %d: %s", t->pid, strerror(-ret));
		return ret;
	}
	pending = calloc(n ? n : 1, sizeof(*pending));
	if (!pending) {
		free(tids);
		return -ENOMEM;
	}
	ret = interrupt_threads(ctx, t, tids, n, pending);
	ret = wait_threads(t, tids, n, pending, ret, added);
	free(pending);
	free(tids);
	return ret;
}

/* Detaches what was seized of @t and forgets its threads. */
static void task_unseize(struct dump_task *t)
{
	for (size_t j = 0; j < t->nr_threads; j++)
		if (t->threads[j].seized)
			ptrace_detach(t->threads[j].tid, 0);
	free(t->threads);
	t->threads = NULL;
	t->nr_threads = 0;
}

/* Reads /proc/PID/stat; a zombie gets its one unseized thread. -ESRCH: gone. */
static int task_stat(struct dump_task *t)
{
	int ret = proc_read_stat(t->pid, 0, &t->stat);

	if (ret)
		return ret == -ENOENT ? -ESRCH : ret;
	t->ppid = t->stat.ppid;
	t->pgid = t->stat.pgid;
	t->sid = t->stat.sid;
	if (t->stat.state != 'Z' && t->stat.state != 'X')
		return 0;
	if (t->stat.num_threads > 1) {
		pr_err("dump: pid %d: a dead leader with live threads is not supported", t->pid);
		return -EOPNOTSUPP;
	}
	t->zombie = true;
	return thread_add(t, t->pid, false);
}

/* 0, or -ESRCH (not logged) when the process exited before it could be stopped. */
static int seize_task(struct dump_ctx *ctx, struct dump_task *t)
{
	int ret, added, rounds = 0;

	ret = task_stat(t);
	if (ret || t->zombie)
		return ret;
	t->stopped = t->stat.state == 'T';
	do {
		added = 0;
		ret = seize_threads_once(ctx, t, &added);
		if (ret == -ESRCH) {
			/* It exited meanwhile: now a zombie (its parent is stopped), or gone. */
			task_unseize(t);
			return task_stat(t);
		}
		if (ret)
			return ret;
		if (++rounds > 100) {
			pr_err("dump: pid %d keeps creating threads", t->pid);
			return -EBUSY;
		}
	} while (added);
	ret = proc_read_status(t->pid, 0, &t->status);
	if (ret) {
		pr_err("dump: status of pid %d: %s", t->pid, strerror(-ret));
		return ret;
	}
	ret = dump_seccomp_check_seized(ctx, t);
	return ret ? ret : dump_lsm_check(t);
}

/* Children of every (now stopped) thread of tasks[idx]: they cannot change any more. */
static int add_children(struct dump_ctx *ctx, size_t idx)
{
	for (size_t i = 0; i < ctx->tasks[idx].nr_threads; i++) {
		pid_t pid = ctx->tasks[idx].pid, tid = ctx->tasks[idx].threads[i].tid;
		pid_t *kids = NULL;
		size_t n = 0;
		int ret = proc_list_children(pid, tid, &kids, &n);

		if (ret == -ENOENT || ret == -ESRCH)
			continue;
		if (ret) {
			pr_err("dump: children of %d/%d: %s", pid, tid, strerror(-ret));
			return ret;
		}
		for (size_t k = 0; k < n && !ret; k++)
			ret = task_add(ctx, kids[k], (int)idx);
		free(kids);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * --freeze-cgroup: every thread of a frozen task is seized and interrupted
 * at once; the stops are reported once the cgroup thaws. Frozen, the tree
 * cannot fork or make threads: one walk finds it all (no rescanning race).
 */
static int seize_task_frozen(struct dump_ctx *ctx, struct dump_task *t)
{
	pid_t *tids = NULL;
	size_t n = 0;
	int ret = task_stat(t);

	if (ret || t->zombie)
		return ret;
	t->stopped = t->stat.state == 'T';
	ret = proc_list_threads(t->pid, &tids, &n);
	for (size_t i = 0; i < n && !ret; i++) {
		ret = seize_one(ctx, tids[i]);
		if (ret == -EPERM && thread_traced(ctx, t->pid, tids[i]))
			ret = -EPERM;
		else if (!ret)
			ret = thread_add(t, tids[i], true);
		else
			pr_err("dump: cannot seize frozen thread %d of pid %d: %s", tids[i], t->pid,
			       strerror(-ret));
	}
	free(tids);
	return ret;
}

/* After the thaw: each seized thread's interrupt stop; its stop signal (group stop). */
static int wait_frozen_stops(struct dump_ctx *ctx)
{
	uint64_t deadline = dump_now_us() + DUMP_SEIZE_TIMEOUT_MS * 1000ull;
	int ret = 0;

	/* every stop is collected, after a failure too: only a stopped thread can be detached */
	for (size_t i = 0; i < ctx->nr_tasks; i++) {
		struct dump_task *t = &ctx->tasks[i];

		for (size_t j = 0; j < t->nr_threads; j++) {
			uint64_t now = dump_now_us();
			int left = now < deadline ? (int)((deadline - now + 999) / 1000) : 1;
			int sig = 0, r;

			if (!t->threads[j].seized)
				continue;
			r = ptrace_wait_interrupt(t->threads[j].tid, left, &sig);
			if (r) {
				t->threads[j].seized = false; /* detached (or gone) by the wait */
				if (!ret)
					pr_err("dump: thread %d of pid %d did not stop after the "
					       "thaw: "
					       "%s",
					       t->threads[j].tid, t->pid, strerror(-r));
				ret = ret ? ret : r;
			} else if (sig && j == 0) {
				t->stopped = true;
				t->stop_sig = sig;
			}
		}
		if (!ret && !t->zombie)
			ret = proc_read_status(t->pid, 0, &t->status);
		if (!ret && !t->zombie)
			ret = dump_seccomp_check_seized(ctx, t);
	}
	return ret;
}

/* The processes of the freezer cgroup (and below) are exactly the tree's live ones. */
static int frozen_check_members(const struct dump_ctx *ctx, const char *dir)
{
	pid_t *pids = NULL;
	size_t n = 0, live = 0;
	int ret = freezer_procs(dir, &pids, &n);

	if (ret) {
		pr_err("dump: processes of the freezer cgroup '%s': %s", dir, strerror(-ret));
		return ret;
	}
	for (size_t i = 0; i < n && !ret; i++) {
		bool in = false;

		for (size_t k = 0; k < ctx->nr_tasks && !in; k++)
			in = ctx->tasks[k].pid == pids[i];
		if (!in) {
			pr_err("dump: pid %d is in the freezer cgroup '%s' but not in the tree of "
			       "pid "
			       "%d: --freeze-cgroup needs a cgroup holding the tree alone",
			       pids[i], dir, ctx->tasks[0].pid);
			ret = -EINVAL;
		}
	}
	for (size_t k = 0; k < ctx->nr_tasks; k++)
		live += !ctx->tasks[k].zombie;
	if (!ret && live != n) {
		pr_err("dump: the freezer cgroup '%s' holds %zu processes, the tree of pid %d %zu: "
		       "a process of the tree is outside it, so it would not be frozen",
		       dir, n, ctx->tasks[0].pid, live);
		ret = -EINVAL;
	}
	free(pids);
	return ret;
}

static int seize_tree_frozen(struct dump_ctx *ctx, pid_t root)
{
	const char *dir = ctx->o->freeze_cgroup;
	int ret, r;

	if (freezer_kind(dir) < 0) {
		pr_err("dump: '%s' (--freeze-cgroup) is not a freezer cgroup: no freezer.state "
		       "(v1) nor cgroup.freeze (cgroup2) in it",
		       dir);
		return -EINVAL;
	}
	ret = freezer_freeze(dir, DUMP_SEIZE_TIMEOUT_MS * 5);
	if (ret)
		pr_err("dump: freezing the cgroup '%s': %s", dir,
		       ret == -ETIMEDOUT ? "its tasks did not all freeze in time" : strerror(-ret));
	if (!ret)
		ret = task_add(ctx, root, -1);
	for (size_t i = 0; !ret && i < ctx->nr_tasks; i++) {
		ret = dump_checkpoint(ctx, "seize-frozen");
		if (!ret)
			ret = seize_task_frozen(ctx, &ctx->tasks[i]);
		if (ret == -ESRCH)
			pr_err("dump: pid %d: no such process", ctx->tasks[i].pid);
		if (!ret && !ctx->tasks[i].zombie)
			ret = add_children(ctx, i);
	}
	if (!ret)
		ret = frozen_check_members(ctx, dir);
	/* The ptrace stops hold the tree from here: never left frozen. */
	r = freezer_thaw(dir);
	if (r)
		pr_err("dump: thawing the cgroup '%s': %s", dir, strerror(-r));
	ret = ret ? ret : r;
	if (!ret)
		ret = wait_frozen_stops(ctx);
	if (!ret && ctx->tasks[0].zombie) {
		pr_err("dump: pid %d (-t) has exited: there is no process to dump", root);
		ret = -ESRCH;
	}
	return ret;
}

int dump_seize_tree(struct dump_ctx *ctx, pid_t root)
{
	uint64_t t0;
	int ret;

	if (root <= 0) {
		pr_err("dump: no pid given (-t PID)");
		return -EINVAL;
	}
	if (root == getpid()) {
		pr_err("dump: cannot dump myself (pid %d)", root);
		return -EINVAL;
	}
	t0 = dump_now_us();
	if (ctx->o->freeze_cgroup) {
		ret = seize_tree_frozen(ctx, root);
		if (!ret)
			pr_info("dump: %zu processes frozen (cgroup) and stopped in %llu us",
				ctx->nr_tasks, (unsigned long long)(dump_now_us() - t0));
		return ret;
	}
	ret = task_add(ctx, root, -1);
	/* Tasks are appended while we walk: parents always come before children. */
	for (size_t i = 0; !ret && i < ctx->nr_tasks; i++) {
		ret = dump_checkpoint(ctx, "seize");
		if (!ret)
			ret = seize_task(ctx, &ctx->tasks[i]);
		if (ret == -ESRCH && i == 0) {
			pr_err("dump: pid %d: no such process", root);
		} else if (ret == -ESRCH) {
			/*
			 * A child that exited and was reaped (SIGCHLD ignored) before we
			 * stopped it. Later tasks are its siblings or their children:
			 * none has it as parent, so it can simply go.
			 */
			pr_info("dump: pid %d exited during the dump", ctx->tasks[i].pid);
			free(ctx->tasks[i].threads);
			memmove(&ctx->tasks[i], &ctx->tasks[i + 1],
				(ctx->nr_tasks - i - 1) * sizeof(ctx->tasks[0]));
			ctx->nr_tasks--;
			i--;
			ret = 0;
			continue;
		}
		if (!ret && i == 0 && ctx->tasks[0].zombie) {
			/* A zombie root would be dumped, and restored, as an exit code alone. */
			pr_err("dump: pid %d (-t) has exited: there is no process to dump", root);
			ret = -ESRCH;
		}
		if (!ret && !ctx->tasks[i].zombie)
			ret = add_children(ctx, i);
	}
	if (!ret)
		pr_info("dump: %zu processes stopped in %llu us", ctx->nr_tasks,
			(unsigned long long)(dump_now_us() - t0));
	return ret;
}

void dump_resume_tree(struct dump_ctx *ctx)
{
	for (size_t i = 0; i < ctx->nr_tasks; i++) {
		struct dump_task *t = &ctx->tasks[i];

		for (size_t j = 0; j < t->nr_threads; j++) {
			if (!t->threads[j].seized)
				continue;
			ptrace_detach(t->threads[j].tid, 0);
			t->threads[j].seized = false;
		}
	}
}

void dump_stop_tree(struct dump_ctx *ctx)
{
	/*
	 * The SIGSTOP is queued while every thread sits in its ptrace stop; on
	 * detach each one takes the group stop before running a user instruction.
	 */
	for (size_t i = 0; i < ctx->nr_tasks; i++)
		if (!ctx->tasks[i].zombie && kill(ctx->tasks[i].pid, SIGSTOP))
			pr_warn("dump: cannot stop pid %d: %s", ctx->tasks[i].pid, strerror(errno));
	dump_resume_tree(ctx);
}

/* Collects the exit of a traced thread killed by the dump. */
static void reap_traced(pid_t tid)
{
	int status;

	for (;;) {
		int w = ptrace_wait_stop(tid, &status, 1000);

		if (w || WIFEXITED(status) || WIFSIGNALED(status))
			break;
	}
}

void dump_kill_tree(struct dump_ctx *ctx)
{
	for (size_t i = 0; i < ctx->nr_tasks; i++)
		if (!ctx->tasks[i].zombie)
			kill(ctx->tasks[i].pid, SIGKILL);
	/*
	 * Collect the exit of every traced thread, so that by the time we return
	 * the tree is gone. A leader's exit is reported only once its other
	 * threads are reaped: those first (waiting for the leader first cost a
	 * whole timeout per multi-threaded process).
	 */
	for (size_t i = 0; i < ctx->nr_tasks; i++) {
		struct dump_task *t = &ctx->tasks[i];

		for (size_t j = t->nr_threads; j-- > 0;) {
			if (!t->threads[j].seized)
				continue;
			reap_traced(t->threads[j].tid);
			t->threads[j].seized = false;
		}
	}
	/*
	 * Dead now; each process stays a zombie until its parent reaps it. No
	 * wait for that here (a slow parent cost every dump up to 2 s): a
	 * restore that needs one of these pids waits for it instead.
	 */
}

static pid_t tree_exited_now(const struct dump_ctx *ctx)
{
	for (size_t i = 0; i < ctx->nr_tasks; i++) {
		const struct dump_task *t = &ctx->tasks[i];
		struct proc_stat st;
		int r;

		if (t->zombie)
			continue;
		r = proc_read_stat(t->pid, 0, &st);
		if (r == -ENOENT || r == -ESRCH || (!r && (st.state == 'Z' || st.state == 'X')))
			return t->pid;
	}
	return 0;
}

/* Waits up to @timeout_us for a process of the tree to exit (its pidfd turns readable). */
static void wait_any_exit(const struct dump_ctx *ctx, uint64_t timeout_us)
{
	struct pollfd *p = calloc(ctx->nr_tasks, sizeof(*p));
	size_t n = 0;

	if (!p)
		return;
	for (size_t i = 0; i < ctx->nr_tasks; i++) {
		int fd = ctx->tasks[i].zombie ? -1
					      : (int)syscall(SYS_pidfd_open, ctx->tasks[i].pid, 0);

		if (fd >= 0)
			p[n++] = (struct pollfd){.fd = fd, .events = POLLIN};
	}
	if (n)
		poll(p, n, (int)((timeout_us + 999) / 1000));
	while (n--)
		close(p[n].fd);
	free(p);
}

pid_t dump_tree_exited(const struct dump_ctx *ctx, int err)
{
	/*
	 * ptrace's ESRCH comes as soon as a task is SIGKILLed, while it may
	 * still be on its way out: then give it a moment (bounded) to show,
	 * woken by its exit. A pidfd turns readable when the whole process is
	 * gone, /proc says Z as soon as its leader is: a look every 50 ms.
	 */
	uint64_t deadline = dump_now_us() + (err == -ESRCH ? 500000 : 0), now;
	pid_t pid;

	while (!(pid = tree_exited_now(ctx)) && (now = dump_now_us()) < deadline)
		wait_any_exit(ctx, deadline - now < 50000 ? deadline - now : 50000);
	return pid;
}
