/*
 * Restore: threads. Each non-leader thread is created by an injected clone3
 * with set_tid in the leader; the leader is seized with PTRACE_O_TRACECLONE,
 * so the new thread starts traced and stops before running a single
 * instruction. Its registers are replaced at the end (restore-finish.c).
 * Per-thread state set by injection into the thread itself: sigaltstack,
 * clear_child_tid, robust futex list, rseq, name, credentials, then the
 * parent-death signal (credentials clear it); by the tool: scheduling
 * policy, real-time priority and nice, after the threads' own injected calls
 * (those would otherwise run at the restored priority, possibly nice 19 or
 * SCHED_IDLE; only the leader's pending signals and credentials follow).
 */
#include <errno.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "inject.h"
#include "log.h"
#include "ptrace.h"
#include "restore.h"
#include "restore-scratch.h"

#define RST_THREAD_FLAGS                                                                           \
	(CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM)

static int rst_clone_thread(const struct rst_ctx *c, struct rst_task *t, struct inject *in,
			    struct rst_thread *th)
{
	pid_t tid = th->vtid;
	const struct rst_scratch sc = rst_scratch_of(in);
	struct clone_args ca;
	unsigned long at, tid_at;
	pid_t want = tid; /* set_tid is a pid_t array: no wider type (big-endian) */
	int status, ret;
	long r;

	memset(&ca, 0, sizeof(ca));
	ca.flags = RST_THREAD_FLAGS;
	ca.set_tid_size = 1;
	/* set_tid is an array of pid_t, right after the arguments. */
	ret = rst_scratch_put(in, &sc, RST_SCR_CLONE, sizeof(ca), &want, sizeof(pid_t), &tid_at);
	ca.set_tid = tid_at;
	if (!ret)
		ret = rst_scratch_put(in, &sc, RST_SCR_CLONE, 0, &ca, sizeof(ca), &at);
	if (ret)
		return ret;
	r = inject_call(in, arch_nr_clone3(), at, sizeof(ca), 0, 0, 0, 0);
	if (r != tid) {
		pr_err("pid %d: cannot create thread %d: %s", t->pid, tid,
		       r < 0 ? strerror((int)-r) : "got another tid");
		return r < 0 ? (int)r : -EIO;
	}
	/* The tool's view of it (another in a new pid namespace). */
	th->tid = rst_ns_outer_tid(c, t->pid, tid);
	if (th->tid < 0) {
		pr_err("pid %d: new thread %d is not in /proc/%d/task", t->pid, tid, t->pid);
		return th->tid;
	}
	/* The new thread was attached by the kernel; take its first stop. */
	ret = ptrace_wait_stop(th->tid, &status, 5000);
	if (ret)
		pr_err("pid %d: new thread %d did not stop: %s", t->pid, tid, strerror(-ret));
	return ret;
}

/* The clear_child_tid address if the dump recorded one (each arch's thread_info has it). */
static unsigned long rst_clear_tid(const CoreEntry *core)
{
	if (core->thread_info)
		return core->thread_info->clear_tid_addr;
	if (core->ti_ppc64)
		return core->ti_ppc64->clear_tid_addr;
	if (core->ti_s390)
		return core->ti_s390->clear_tid_addr;
	return 0;
}

/* The thread's name and robust futex list (glibc registers one in every thread). */
static int rst_thread_name_robust(struct rst_thread *th, struct inject *in,
				  const struct rst_scratch *sc)
{
	const ThreadCoreEntry *tc = th->core->thread_core;
	char name[16] = {0};
	unsigned long at;
	long r = 0;

	if (tc->comm) {
		snprintf(name, sizeof(name), "%s", tc->comm);
		r = rst_scratch_put(in, sc, RST_SCR_THREAD, 0, name, sizeof(name), &at);
		if (!r)
			r = inject_call(in, SYS_prctl, PR_SET_NAME, at, 0, 0, 0, 0);
		if (r)
			pr_warn("thread %d: cannot set its name '%s': %s", th->tid, name,
				strerror((int)-r));
	}
	if (!tc->futex_rla)
		return 0;
	r = inject_call(in, SYS_set_robust_list, tc->futex_rla, tc->futex_rla_len, 0, 0, 0, 0);
	if (r)
		pr_err("thread %d: robust futex list at 0x%llx: %s", th->tid,
		       (unsigned long long)tc->futex_rla, strerror((int)-r));
	return (int)r;
}

/* Policy, real-time priority and nice of every thread of @t, set by the tool. */
static void rst_threads_sched(struct rst_task *t)
{
	for (size_t i = 0; i < t->nr_th; i++) {
		const ThreadCoreEntry *tc = t->th[i].core->thread_core;
		pid_t tid = t->th[i].tid;

		if (!tc)
			continue;
		if (tc->has_sched_policy) {
			struct sched_param sp = {.sched_priority = (int)tc->sched_prio};

			if (sched_setscheduler(tid, (int)tc->sched_policy, &sp))
				pr_warn("thread %d: cannot restore scheduling policy %u "
					"(priority %u): %s",
					tid, tc->sched_policy, tc->sched_prio, strerror(errno));
		}
		/* Lowering nice below ours needs CAP_SYS_NICE or RLIMIT_NICE. */
		if (tc->has_sched_nice && setpriority(PRIO_PROCESS, (id_t)tid, tc->sched_nice))
			pr_warn("thread %d: cannot restore nice %d: %s", tid, tc->sched_nice,
				strerror(errno));
	}
}

/* sigaltstack, clear_child_tid, robust list, rseq and name of one thread, injected into it. */
static int rst_thread_own(struct rst_task *t, struct rst_thread *th, struct inject *in,
			  const struct rst_scratch *sc)
{
	const ThreadCoreEntry *tc = th->core->thread_core;
	unsigned long at;
	long r;

	if (!tc)
		return 0;
	if (tc->sas && tc->sas->ss_size) {
		stack_t ss = {(void *)tc->sas->ss_sp, (int)tc->sas->ss_flags,
			      (size_t)tc->sas->ss_size};

		ss.ss_flags &= ~SS_ONSTACK;
		r = rst_scratch_put(in, sc, RST_SCR_THREAD, 0, &ss, sizeof(ss), &at);
		if (!r)
			r = inject_call(in, SYS_sigaltstack, at, 0, 0, 0, 0, 0);
		if (r) {
			pr_err("thread %d: sigaltstack: %s", th->tid, strerror((int)-r));
			return (int)r;
		}
	}
	if (rst_clear_tid(th->core))
		inject_call(in, SYS_set_tid_address, rst_clear_tid(th->core), 0, 0, 0, 0, 0);
	if (tc->rseq_entry && tc->rseq_entry->rseq_abi_pointer) {
		const RseqEntry *rs = tc->rseq_entry;

		r = inject_call(in, SYS_rseq, rs->rseq_abi_pointer, rs->rseq_abi_size, 0,
				rs->signature, 0, 0);
		if (r)
			pr_warn("thread %d: rseq registration: %s", th->tid, strerror((int)-r));
	}
	return rst_thread_name_robust(th, in, sc);
}

int rst_threads_create(struct rst_ctx *c, struct rst_task *t, struct inject *in)
{
	const struct rst_scratch sc = rst_scratch_of(in); /* the leader's: the threads share it */
	int ret;

	for (size_t i = 1; i < t->nr_th; i++) {
		struct inject tin;

		ret = rst_clone_thread(c, t, in, &t->th[i]);
		if (ret)
			return ret;
		ret = inject_begin(&tin, t->th[i].tid);
		if (ret)
			return ret;
		tin.restoring = true;
		ret = rst_thread_own(t, &t->th[i], &tin, &sc);
		if (!ret)
			ret = rst_seccomp_restore(c, &t->th[i], &tin, &sc);
		if (!ret)
			ret = rst_creds_restore(t, &t->th[i], &tin, &sc);
		if (!ret)
			ret = rst_task_pdeath(c, t, &t->th[i], &tin);
		inject_end(&tin);
		if (ret)
			return ret;
	}
	ret = rst_thread_own(t, &t->th[0], in, &sc);
	if (!ret)
		rst_threads_sched(t);
	return ret;
}
