/*
 * core-TID.img: registers and per-thread state of every thread, plus the
 * per-process part (tc) in the leader's core.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "arch.h"
#include "core.pb-c.h"
#include "dump.h"
#include "log.h"
#include "proc-misc.h"
#include "proc-stat.h"
#include "ptrace.h"

#define DUMP_NR_RLIMITS 16 /* RLIM_NLIMITS on Linux */

/* Capability sets as CRIU stores them: two u32 words, low first. */
struct core_caps {
	uint32_t inh[2], prm[2], eff[2], bnd[2], amb[2];
};

static void caps_split(uint32_t out[2], uint64_t v)
{
	out[0] = (uint32_t)v;
	out[1] = (uint32_t)(v >> 32);
}

static void creds_fill(CredsEntry *c, struct core_caps *caps, const struct proc_status *s)
{
	c->uid = s->uid[0];
	c->euid = s->uid[1];
	c->suid = s->uid[2];
	c->fsuid = s->uid[3];
	c->gid = s->gid[0];
	c->egid = s->gid[1];
	c->sgid = s->gid[2];
	c->fsgid = s->gid[3];
	caps_split(caps->inh, s->cap_inh);
	caps_split(caps->prm, s->cap_prm);
	caps_split(caps->eff, s->cap_eff);
	caps_split(caps->bnd, s->cap_bnd);
	caps_split(caps->amb, s->cap_amb);
	c->n_cap_inh = c->n_cap_prm = c->n_cap_eff = c->n_cap_bnd = c->n_cap_amb = 2;
	c->cap_inh = caps->inh;
	c->cap_prm = caps->prm;
	c->cap_eff = caps->eff;
	c->cap_bnd = caps->bnd;
	c->cap_amb = caps->amb;
	c->secbits = 0;
	if (s->no_new_privs >= 0) {
		c->has_no_new_privs = true;
		c->no_new_privs = (uint32_t)s->no_new_privs;
	}
	c->n_groups = s->ngroups;
	c->groups = (uint32_t *)s->groups;
}

struct thread_bufs {
	ThreadCoreEntry thc;
	CredsEntry creds;
	struct core_caps caps;
	struct proc_status status;
	struct proc_stat stat;
	char comm[64];
};

static int thread_core_fill(struct dump_ctx *ctx, struct dump_task *t, pid_t tid,
			    struct thread_bufs *b, CoreEntry *core)
{
	ThreadCoreEntry *thc = &b->thc;
	uint64_t mask = 0;
	long head = 0;
	size_t len = 0;
	int ret;

	ret = ptrace_get_sigmask(tid, &mask);
	if (ret) {
		pr_err("dump: signal mask of thread %d: %s", tid, strerror(-ret));
		return ret;
	}
	thc->has_blk_sigset = true;
	thc->blk_sigset = mask;
	ret = proc_read_status(t->pid, tid, &b->status);
	if (!ret)
		ret = proc_read_stat(t->pid, tid, &b->stat);
	if (!ret)
		ret = proc_read_comm(t->pid, tid, b->comm, sizeof(b->comm));
	if (ret) {
		pr_err("dump: /proc of thread %d of pid %d: %s", tid, t->pid, strerror(-ret));
		return ret;
	}
	creds_fill(&b->creds, &b->caps, &b->status);
	thc->creds = &b->creds;
	thc->comm = b->comm;
	thc->has_sched_nice = thc->has_sched_policy = thc->has_sched_prio = true;
	thc->sched_nice = (int32_t)b->stat.nice;
	/*
	 * sched_getscheduler reports SCHED_RESET_ON_FORK with the policy (stat's
	 * field does not); CRIU keeps them together in sched_policy too, and
	 * sched_setscheduler takes them back the same way.
	 */
	ret = sched_getscheduler(tid);
	thc->sched_policy = ret >= 0 ? (uint32_t)ret : b->stat.policy;
	thc->sched_prio = b->stat.rt_priority;
	ret = dump_seccomp_thread(ctx, t, tid, b->status.seccomp, thc);
	if (ret)
		return ret;
	if (syscall(SYS_get_robust_list, tid, &head, &len) == 0) {
		thc->futex_rla = (uint64_t)head;
		thc->futex_rla_len = (uint32_t)len;
	}
	return dump_thread_signals(ctx, t, tid, thc, core);
}

static int read_personality(pid_t pid, uint32_t *out)
{
	char path[64];
	unsigned int v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/personality", pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	if (fscanf(f, "%x", &v) != 1)
		v = 0;
	fclose(f);
	*out = v;
	return 0;
}

static int read_oom_score_adj(pid_t pid, int32_t *out)
{
	char path[64];
	int v = 0, ok;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	ok = fscanf(f, "%d", &v) == 1;
	fclose(f);
	*out = v;
	return ok ? 0 : -EINVAL;
}

static uint64_t limit_value(const char *s)
{
	return strncmp(s, "unlimited", 9) ? strtoull(s, NULL, 10) : (uint64_t)RLIM_INFINITY;
}

/*
 * /proc/PID/limits, for targets whose rlimits prlimit(2) will not show us
 * (other credentials, no CAP_SYS_RESOURCE): one line per resource in
 * RLIMIT_ order after a header, "%-25s %-20s %-20s" name, soft, hard.
 */
static int read_proc_limits(pid_t pid, RlimitEntry *rle, int nr)
{
	char path[64], line[256];
	int i = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/limits", pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (i < nr && fgets(line, sizeof(line), f)) {
		if (i >= 0 && strlen(line) > 47) {
			rle[i].cur = limit_value(line + 26);
			rle[i].max = limit_value(line + 47);
		}
		i++;
	}
	fclose(f);
	return i == nr ? 0 : -EINVAL;
}

struct task_bufs {
	TaskCoreEntry tc;
	TaskRlimitsEntry rl;
	RlimitEntry rle[DUMP_NR_RLIMITS];
	RlimitEntry *rlp[DUMP_NR_RLIMITS];
	char comm[64];
};

static int task_core_fill(struct dump_ctx *ctx, struct dump_task *t, struct task_bufs *b,
			  uint64_t leader_mask)
{
	TaskCoreEntry *tc = &b->tc;
	int ret;

	tc->task_state = t->zombie ? TASK_DEAD : t->stopped ? TASK_STOPPED : TASK_ALIVE;
	tc->exit_code = t->zombie ? (uint32_t)t->stat.exit_code : 0;
	snprintf(b->comm, sizeof(b->comm), "%s", t->stat.comm);
	tc->comm = b->comm;
	tc->blk_sigset = leader_mask;
	if (t->stopped && t->stop_sig) {
		tc->has_stop_signo = true;
		tc->stop_signo = (uint32_t)t->stop_sig;
	}
	if (t->zombie)
		return 0;
	ret = read_personality(t->pid, &tc->personality);
	if (ret) {
		pr_err("dump: personality of pid %d: %s", t->pid, strerror(-ret));
		return ret;
	}
	if (!read_oom_score_adj(t->pid, &tc->oom_score_adj))
		tc->has_oom_score_adj = true;
	/* Absent without CONFIG_AUDIT: then there is nothing to restore either. */
	if (!proc_read_loginuid(t->pid, &tc->loginuid))
		tc->has_loginuid = true;
	ret = dump_cgroup_task(ctx, t, &tc->cg_set);
	if (ret)
		return ret;
	tc->has_cg_set = true;
	for (int i = 0; i < DUMP_NR_RLIMITS; i++) {
		struct rlimit r;

		rlimit_entry__init(&b->rle[i]);
		b->rlp[i] = &b->rle[i];
		if (!ret && prlimit(t->pid, i, NULL, &r))
			ret = -errno;
		if (ret)
			continue; /* all of them come from /proc/PID/limits then */
		b->rle[i].cur = r.rlim_cur;
		b->rle[i].max = r.rlim_max;
	}
	if (ret) {
		ret = read_proc_limits(t->pid, b->rle, DUMP_NR_RLIMITS);
		if (ret) {
			pr_err("dump: rlimits of pid %d: %s", t->pid, strerror(-ret));
			return ret;
		}
	}
	b->rl.n_rlimits = DUMP_NR_RLIMITS;
	b->rl.rlimits = b->rlp;
	tc->rlimits = &b->rl;
	return dump_task_signals(ctx, t, tc);
}

static int dump_one_thread(struct dump_ctx *ctx, struct dump_task *t, size_t idx,
			   struct arch_thread_state *st, struct task_bufs *tb)
{
	pid_t tid = t->threads[idx].tid;
	CoreEntry core = CORE_ENTRY__INIT;
	struct thread_bufs *b;
	int ret = 0;

	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	thread_core_entry__init(&b->thc);
	creds_entry__init(&b->creds);
	core.mtype = arch_core_march();
	if (!t->zombie) {
		ret = arch_get_thread_state(tid, st);
		if (ret) {
			pr_err("dump: registers of thread %d of pid %d: %s", tid, t->pid,
			       strerror(-ret));
			goto out;
		}
		/* The registers come restart-fixed: restore re-executes an interrupted syscall. */
		ret = arch_core_fill(&core, st);
		if (ret)
			goto out;
		ret = thread_core_fill(ctx, t, tid, b, &core);
		if (ret)
			goto out_thsig;
		core.thread_core = &b->thc;
	}
	if (idx == 0) {
		ret = task_core_fill(ctx, t, tb, b->thc.blk_sigset);
		if (ret)
			goto out_thsig;
		core.tc = &tb->tc;
	}
	ret = img_write_one(&ctx->dir, IMG_CORE, (unsigned long)t->threads[idx].vtid, &core.base);
	if (idx == 0)
		dump_task_signals_free(&tb->tc);
out_thsig:
	dump_thread_signals_free(&b->thc);
	if (!t->zombie)
		arch_core_free(&core);
out:
	free(b);
	return ret;
}

int dump_task_core(struct dump_ctx *ctx, struct dump_task *t)
{
	struct arch_thread_state *st;
	struct task_bufs *tb;
	int ret = 0;

	st = aligned_alloc(64, sizeof(*st));
	tb = calloc(1, sizeof(*tb));
	if (!st || !tb) {
		free(st);
		free(tb);
		return -ENOMEM;
	}
	task_core_entry__init(&tb->tc);
	task_rlimits_entry__init(&tb->rl);
	for (size_t i = 0; i < t->nr_threads && !ret; i++)
		ret = dump_one_thread(ctx, t, i, st, tb);
	free(st);
	free(tb);
	return ret;
}
