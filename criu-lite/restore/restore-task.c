/*
 * Restore: per-process kernel state set through injection once the address
 * space exists: mm fields and exe link (PR_SET_MM_MAP), root directory, signal handlers,
 * personality, child-subreaper flag, comm, THP opt-out, rlimits,
 * oom_score_adj, interval timers.
 * Credentials come last (restore-creds.c) since they may drop privileges;
 * each thread's parent-death signal after them (rst_task_pdeath).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/prctl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "inject.h"
#include "log.h"
#include "restore.h"
#include "restore-scratch.h"

#include "signal.pb-c.h"
#include "timer.pb-c.h"

/* The kernel's struct sigaction for rt_sigaction on this ABI. */
struct rst_ksigaction {
	uint64_t handler;
	uint64_t flags;
	uint64_t restorer;
	uint64_t mask;
};

static int rst_mm_map(struct rst_ctx *c, struct rst_task *t, struct inject *in)
{
	const MmEntry *mm = t->mm;
	struct prctl_mm_map map = {
		.start_code = mm->mm_start_code,
		.end_code = mm->mm_end_code,
		.start_data = mm->mm_start_data,
		.end_data = mm->mm_end_data,
		.start_brk = mm->mm_start_brk,
		.brk = mm->mm_brk,
		.start_stack = mm->mm_start_stack,
		.arg_start = mm->mm_arg_start,
		.arg_end = mm->mm_arg_end,
		.env_start = mm->mm_env_start,
		.env_end = mm->mm_env_end,
	};
	const FileEntry *exe = rst_file_entry(c, mm->exe_file_id);
	const struct rst_scratch sc = rst_scratch_of(in);
	size_t auxv_len = mm->n_mm_saved_auxv * sizeof(uint64_t);
	unsigned long at, path_at, auxv_at;
	int fd = -1, ret;
	long r;

	if (exe && exe->reg) {
		ret = rst_scratch_put(in, &sc, RST_SCR_ARG, 0, exe->reg->name,
				      strlen(exe->reg->name) + 1, &path_at);
		if (ret)
			return ret;
		r = inject_call(in, SYS_openat, (unsigned long)AT_FDCWD, path_at,
				O_RDONLY | O_CLOEXEC, 0, 0, 0);
		if (r < 0)
			pr_warn("pid %d: cannot open exe '%s': %s", t->pid, exe->reg->name,
				strerror((int)-r));
		fd = (int)r;
	}
	map.exe_fd = (uint32_t)(fd >= 0 ? fd : -1);
	/* The kernel takes at most its AT_VECTOR_SIZE words, far less than the slot holds. */
	if (auxv_len && sizeof(map) + auxv_len <= rst_scratch_size(RST_SCR_MM_MAP)) {
		ret = rst_scratch_put(in, &sc, RST_SCR_MM_MAP, sizeof(map), mm->mm_saved_auxv,
				      auxv_len, &auxv_at);
		if (ret)
			return ret;
		map.auxv = (__u64 *)auxv_at;
		map.auxv_size = (uint32_t)auxv_len;
	}
	ret = rst_scratch_put(in, &sc, RST_SCR_MM_MAP, 0, &map, sizeof(map), &at);
	if (ret)
		return ret;
	r = inject_call(in, SYS_prctl, PR_SET_MM, PR_SET_MM_MAP, at, sizeof(map), 0, 0);
	if (fd >= 0)
		inject_call(in, SYS_close, (unsigned long)fd, 0, 0, 0, 0, 0);
	if (r) {
		pr_err("pid %d: prctl(PR_SET_MM_MAP): %s", t->pid, strerror((int)-r));
		return r < 0 ? (int)r : -EIO;
	}
	return 0;
}

/*
 * chroot into the recorded root, a path in the tool's view. Not before: the
 * rebuild opens mapped files and the exe by such paths inside the process.
 * The cwd was entered by that path before (restore-tree.c); chroot keeps it.
 */
static int rst_root(struct rst_ctx *c, struct rst_task *t, struct inject *in)
{
	const FileEntry *fe = t->fs ? rst_file_entry(c, t->fs->root_id) : NULL;
	const char *p = fe && fe->reg ? fe->reg->name : NULL;
	const struct rst_scratch sc = rst_scratch_of(in);
	unsigned long at;
	long r;

	if (!p || !strcmp(p, "/"))
		return 0;
	if (strlen(p) + 1 > PATH_MAX)
		return -ENAMETOOLONG;
	r = rst_scratch_put(in, &sc, RST_SCR_ARG, 0, p, strlen(p) + 1, &at);
	if (!r)
		r = inject_call(in, SYS_chroot, at, 0, 0, 0, 0, 0);
	if (r)
		pr_err("pid %d: chroot '%s': %s", t->pid, p, strerror((int)-r));
	return (int)r;
}

/*
 * Whether signal @sig already has @ks: the process has the tool's handlers
 * from the fork (a ptrace round trip per signal saved: 62 per process).
 */
static bool rst_sigaction_inherited(const struct rst_ctx *c, int sig,
				    const struct rst_ksigaction *ks)
{
	const uint64_t *h = c->inherited_sa[sig - 1];

	return c->inherited_sa_known && h[0] == ks->handler && h[1] == ks->flags &&
	       h[2] == ks->restorer && h[3] == ks->mask;
}

static int rst_sigactions(const struct rst_ctx *c, struct rst_task *t, struct inject *in,
			  const TaskCoreEntry *tc)
{
	const struct rst_scratch sc = rst_scratch_of(in);
	unsigned long at;
	int sig = 0;

	/* As in CRIU, the list skips SIGKILL and SIGSTOP: entry i is the i-th other signal. */
	for (size_t i = 0; i < tc->n_sigactions; i++) {
		const SaEntry *sa = tc->sigactions[i];
		struct rst_ksigaction ks = {sa->sigaction, sa->flags, sa->restorer, sa->mask};
		long r;

		do
			sig++;
		while (sig == SIGKILL || sig == SIGSTOP);
		if (sig > 64)
			break;
		if (rst_sigaction_inherited(c, sig, &ks))
			continue;
		r = rst_scratch_put(in, &sc, RST_SCR_ARG, 0, &ks, sizeof(ks), &at);
		if (!r)
			r = inject_call(in, SYS_rt_sigaction, (unsigned long)sig, at, 0, 8, 0, 0);
		if (r) {
			pr_err("pid %d: restoring the handler of signal %d: %s", t->pid, sig,
			       strerror((int)-r));
			return r < 0 ? (int)r : -EIO;
		}
	}
	return 0;
}

static void rst_rlimits(struct rst_task *t, const TaskCoreEntry *tc)
{
	if (!tc->rlimits)
		return;
	for (size_t i = 0; i < tc->rlimits->n_rlimits && i < RLIM_NLIMITS; i++) {
		struct rlimit rl = {tc->rlimits->rlimits[i]->cur, tc->rlimits->rlimits[i]->max};

		/* Raising a hard limit above ours needs CAP_SYS_RESOURCE, which we may lack. */
		if (prlimit(t->pid, (int)i, &rl, NULL))
			pr_warn("pid %d: cannot restore rlimit %zu (%llu/%llu): %s", t->pid, i,
				(unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max,
				strerror(errno));
	}
}

/* Written by the tool: lowering it needs CAP_SYS_RESOURCE, which a caller may lack. */
static void rst_oom_score_adj(struct rst_task *t, const TaskCoreEntry *tc)
{
	char path[64], buf[16];
	int fd, n;

	if (!tc->has_oom_score_adj)
		return;
	snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", t->pid);
	n = snprintf(buf, sizeof(buf), "%d", tc->oom_score_adj);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, buf, (size_t)n) != n)
		pr_warn("pid %d: cannot restore oom_score_adj %d: %s", t->pid, tc->oom_score_adj,
			strerror(errno));
	if (fd >= 0)
		close(fd);
}

static int rst_itimers(struct rst_task *t, struct inject *in, const TaskCoreEntry *tc)
{
	const ItimerEntry *it[3];
	const int which[3] = {ITIMER_REAL, ITIMER_VIRTUAL, ITIMER_PROF};
	const struct rst_scratch sc = rst_scratch_of(in);
	unsigned long at;

	if (!tc->timers)
		return 0;
	it[0] = tc->timers->real, it[1] = tc->timers->virt, it[2] = tc->timers->prof;
	for (int i = 0; i < 3; i++) {
		struct itimerval v = {{(time_t)it[i]->isec, (suseconds_t)it[i]->iusec},
				      {(time_t)it[i]->vsec, (suseconds_t)it[i]->vusec}};
		long r;

		/* A periodic timer caught at expiry shows 0 left: it is still armed. */
		if (!v.it_value.tv_sec && !v.it_value.tv_usec && !v.it_interval.tv_sec &&
		    !v.it_interval.tv_usec)
			continue;
		if (!v.it_value.tv_sec && !v.it_value.tv_usec)
			v.it_value = v.it_interval;
		r = rst_scratch_put(in, &sc, RST_SCR_ARG, 0, &v, sizeof(v), &at);
		if (!r)
			r = inject_call(in, SYS_setitimer, (unsigned long)which[i], at, 0, 0, 0, 0);
		if (r) {
			pr_err("pid %d: restoring interval timer %d: %s", t->pid, which[i],
			       strerror((int)-r));
			return (int)r;
		}
	}
	return 0;
}

#define RST_PR_TIMER_CREATE_RESTORE_IDS 77 /* 6.15+: timer_create takes the id to use */

/* The kernel's struct sigevent (64 bytes). */
struct rst_ksigevent {
	uint64_t value;
	int32_t signo;
	int32_t notify;
	int32_t tid;
	int32_t pad[11];
};

/* timer_create's and timer_settime's arguments in the scratch slot for one call's arguments. */
#define RST_TIMER_SEV_OFF 0
#define RST_TIMER_ID_OFF 128
#define RST_TIMER_ITS_OFF 256

/* One POSIX timer with its recorded id, armed with its remaining time. */
static int rst_posix_timer(struct rst_task *t, struct inject *in, const PosixTimerEntry *pt)
{
	struct rst_ksigevent sev = {.value = pt->sival_ptr,
				    .signo = (int32_t)pt->si_signo,
				    .notify = (int32_t)pt->it_sigev_notify};
	struct itimerspec its = {{(time_t)pt->isec, (long)pt->insec},
				 {(time_t)pt->vsec, (long)pt->vnsec}};
	const struct rst_scratch sc = rst_scratch_of(in);
	unsigned long sev_at = 0, id_at = 0, its_at;
	int32_t id = (int32_t)pt->it_id;
	long r;

	if (pt->has_notify_thread_id)
		sev.tid = pt->notify_thread_id;
	r = rst_scratch_put(in, &sc, RST_SCR_ARG, RST_TIMER_SEV_OFF, &sev, sizeof(sev), &sev_at);
	if (!r)
		r = rst_scratch_put(in, &sc, RST_SCR_ARG, RST_TIMER_ID_OFF, &id, sizeof(id),
				    &id_at);
	if (!r)
		r = inject_call(in, SYS_timer_create, pt->clock_id, sev_at, id_at, 0, 0, 0);
	if (!r)
		r = rst_scratch_get(in, &sc, RST_SCR_ARG, RST_TIMER_ID_OFF, &id, sizeof(id));
	if (!r && id != (int32_t)pt->it_id)
		r = -EEXIST;
	if (!its.it_value.tv_sec && !its.it_value.tv_nsec)
		its.it_value = its.it_interval; /* periodic, caught at expiry: still armed */
	if (!r && (its.it_value.tv_sec || its.it_value.tv_nsec)) {
		r = rst_scratch_put(in, &sc, RST_SCR_ARG, RST_TIMER_ITS_OFF, &its, sizeof(its),
				    &its_at);
		if (!r)
			r = inject_call(in, SYS_timer_settime, (unsigned long)id, 0, its_at, 0, 0,
					0);
	}
	if (r)
		pr_err("pid %d: restoring POSIX timer %u: %s", t->pid, pt->it_id,
		       strerror((int)-r));
	return (int)r;
}

static int rst_posix_timers(struct rst_task *t, struct inject *in, const TaskCoreEntry *tc)
{
	int ret = 0;

	if (!tc->timers || !tc->timers->n_posix)
		return 0;
	if (inject_call(in, SYS_prctl, RST_PR_TIMER_CREATE_RESTORE_IDS, 1, 0, 0, 0, 0))
		pr_warn("pid %d: kernel cannot create timers with given ids; relying on order",
			t->pid);
	for (size_t i = 0; !ret && i < tc->timers->n_posix; i++)
		ret = rst_posix_timer(t, in, tc->timers->posix[i]);
	inject_call(in, SYS_prctl, RST_PR_TIMER_CREATE_RESTORE_IDS, 0, 0, 0, 0, 0);
	return ret;
}

/*
 * The recorded parent-death signal of @th, or 0, which also drops the
 * SIGKILL every new process took from restore-tree.c. Runs after the thread's
 * credentials: the kernel clears the signal when euid, egid, fsuid or fsgid
 * change (commit_creds). The parent is already the final one (each process
 * was forked by its recorded parent), except for the root, whose parent is
 * the tool: with --restore-detached the tool exits at once and the signal
 * would fire then, so the root gets none.
 */
int rst_task_pdeath(struct rst_ctx *c, struct rst_task *t, struct rst_thread *th, struct inject *in)
{
	const ThreadCoreEntry *thc = th->core->thread_core;
	uint32_t sig = thc && thc->has_pdeath_sig ? thc->pdeath_sig : 0;
	long r;

	if (sig && t == &c->tasks[0] && c->o->restore_detached) {
		pr_warn("thread %d: parent-death signal %u not restored: its parent, the tool, "
			"exits now (--restore-detached)",
			th->tid, sig);
		sig = 0;
	}
	r = inject_call(in, SYS_prctl, PR_SET_PDEATHSIG, sig, 0, 0, 0, 0);
	if (r)
		pr_err("thread %d of pid %d: parent-death signal %u: %s", th->tid, t->pid, sig,
		       strerror((int)-r));
	return (int)r;
}

int rst_task_restore(struct rst_ctx *c, struct rst_task *t, struct inject *in)
{
	const TaskCoreEntry *tc = t->th[0].core->tc;
	const ThreadCoreEntry *thc = t->th[0].core->thread_core;
	const char *comm = thc && thc->comm ? thc->comm : tc->comm;
	const struct rst_scratch sc = rst_scratch_of(in);
	char name[16] = {0};
	unsigned long at;
	long r;
	int ret;

	ret = rst_mm_map(c, t, in);
	if (!ret)
		ret = rst_root(c, t, in);
	if (!ret)
		ret = rst_sigactions(c, t, in, tc);
	if (ret)
		return ret;
	r = inject_call(in, SYS_personality, tc->personality, 0, 0, 0, 0, 0);
	if (r < 0)
		pr_warn("pid %d: personality 0x%x: %s", t->pid, tc->personality, strerror((int)-r));
	if (tc->has_child_subreaper && tc->child_subreaper) {
		r = inject_call(in, SYS_prctl, PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0, 0);
		if (r) {
			pr_err("pid %d: cannot make it a child subreaper: %s", t->pid,
			       strerror((int)-r));
			return (int)r;
		}
	}
	snprintf(name, sizeof(name), "%s", comm ? comm : "");
	r = rst_scratch_put(in, &sc, RST_SCR_ARG, 0, name, sizeof(name), &at);
	if (!r)
		r = inject_call(in, SYS_prctl, PR_SET_NAME, at, 0, 0, 0, 0);
	if (r)
		pr_warn("pid %d: cannot set comm '%s': %ld", t->pid, name, r);
	/* The process-wide opt-out (per-area ones are VMA flags, restore-mm.c). */
	if (t->mm->has_thp_disabled && t->mm->thp_disabled) {
		r = inject_call(in, SYS_prctl, PR_SET_THP_DISABLE, 1, 0, 0, 0, 0);
		if (r)
			pr_warn("pid %d: cannot disable THP: %s", t->pid, strerror((int)-r));
	}
	rst_oom_score_adj(t, tc);
	return rst_itimers(t, in, tc);
}

int rst_task_restore_late(struct rst_task *t, struct inject *in)
{
	const TaskCoreEntry *tc = t->th[0].core->tc;
	int ret = rst_posix_timers(t, in, tc);

	if (!ret)
		rst_rlimits(t, tc);
	return ret;
}
