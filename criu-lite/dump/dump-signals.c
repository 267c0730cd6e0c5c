/*
 * Signal and timer state. Per process (leader's core tc): handlers, itimers,
 * POSIX timers and the child-subreaper flag, read by injecting
 * rt_sigaction/getitimer/timer_gettime/prctl into the stopped leader; the
 * shared pending queue by PTRACE_PEEKSIGINFO. Per thread: sigaltstack,
 * clear_child_tid and the parent-death signal by injection, the private
 * pending queue, rseq by PTRACE_GET_RSEQ_CONFIGURATION.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#include "array.h"
#include "core.pb-c.h"
#include "dump.h"
#include "inject.h"
#include "log.h"
#include "proc-misc.h"

#define DUMP_SIGMAX 64
#define SCRATCH_LEN 4096

#ifndef PTRACE_PEEKSIGINFO
#define PTRACE_PEEKSIGINFO 0x4209
#endif
#ifndef PTRACE_PEEKSIGINFO_SHARED
#define PTRACE_PEEKSIGINFO_SHARED 1
#endif
#define CRL_PTRACE_GET_RSEQ_CONFIGURATION 0x420f

/* The kernel's struct sigaction as rt_sigaction(2) copies it out (SA_RESTORER layout). */
struct kernel_sigaction {
	uint64_t handler;
	uint64_t flags;
	uint64_t restorer;
	uint64_t mask;
};

/* struct stack_t of a 64-bit task. */
struct kernel_stack {
	uint64_t sp;
	int32_t flags;
	int32_t pad;
	uint64_t size;
};

struct kernel_itimerval {
	int64_t isec, iusec, vsec, vusec;
};

struct kernel_itimerspec {
	int64_t isec, insec, vsec, vnsec;
};

/* struct ptrace_rseq_configuration (linux/ptrace.h, 5.13+). */
struct rseq_conf {
	uint64_t rseq_abi_pointer;
	uint32_t rseq_abi_size;
	uint32_t signature;
	uint32_t flags;
	uint32_t pad;
};

struct sig_bufs {
	SaEntry sa[DUMP_SIGMAX];
	SaEntry *sap[DUMP_SIGMAX];
	TaskTimersEntry timers;
	ItimerEntry it[3];
	PosixTimerEntry *pt;
	PosixTimerEntry **ptp;
};

static int inject_start(struct inject *in, pid_t tid)
{
	int ret = inject_begin(in, tid);

	if (ret) {
		pr_err("dump: cannot run syscalls in thread %d: %s", tid, strerror(-ret));
		return ret;
	}
	ret = inject_map_scratch(in, 0, SCRATCH_LEN);
	if (ret) {
		pr_err("dump: scratch memory in thread %d: %s", tid, strerror(-ret));
		inject_end(in);
	}
	return ret;
}

/* Runs a syscall that writes @len bytes to scratch and copies them back. */
static int inject_get(struct inject *in, long nr, unsigned long a0, unsigned long a1,
		      unsigned long a2, unsigned long a3, void *out, size_t len)
{
	long r = inject_call(in, nr, a0, a1, a2, a3, 0, 0);

	if (r < 0)
		return (int)r;
	return inject_read(in, in->scratch, out, len);
}

static int sigactions(struct inject *in, struct sig_bufs *b, TaskCoreEntry *tc)
{
	size_t n = 0;
	int ret;

	for (int sig = 1; sig <= DUMP_SIGMAX; sig++) {
		struct kernel_sigaction ks;
		SaEntry *e;

		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		ret = inject_get(in, SYS_rt_sigaction, sig, 0, in->scratch, 8, &ks, sizeof(ks));
		if (ret) {
			pr_err("dump: handler of signal %d in %d: %s", sig, in->tid,
			       strerror(-ret));
			return ret;
		}
		e = &b->sa[n];
		sa_entry__init(e);
		e->sigaction = ks.handler;
		e->flags = ks.flags;
		e->restorer = ks.restorer;
		e->mask = ks.mask;
		b->sap[n++] = e;
	}
	tc->n_sigactions = n;
	tc->sigactions = b->sap;
	return 0;
}

static int itimers(struct inject *in, struct sig_bufs *b)
{
	static const int which[3] = {ITIMER_REAL, ITIMER_VIRTUAL, ITIMER_PROF};
	ItimerEntry **slot[3] = {&b->timers.real, &b->timers.virt, &b->timers.prof};

	for (int i = 0; i < 3; i++) {
		struct kernel_itimerval v;
		int ret = inject_get(in, SYS_getitimer, which[i], in->scratch, 0, 0, &v, sizeof(v));

		if (ret) {
			pr_err("dump: itimer %d of %d: %s", which[i], in->tid, strerror(-ret));
			return ret;
		}
		itimer_entry__init(&b->it[i]);
		b->it[i].isec = (uint64_t)v.isec;
		b->it[i].iusec = (uint64_t)v.iusec;
		b->it[i].vsec = (uint64_t)v.vsec;
		b->it[i].vusec = (uint64_t)v.vusec;
		*slot[i] = &b->it[i];
	}
	return 0;
}

/* PR_GET_CHILD_SUBREAPER: only the process itself can ask (no /proc field). */
static int child_subreaper(struct inject *in, TaskCoreEntry *tc)
{
	int32_t v = 0;
	int ret =
		inject_get(in, SYS_prctl, PR_GET_CHILD_SUBREAPER, in->scratch, 0, 0, &v, sizeof(v));

	if (ret) {
		pr_err("dump: child-subreaper flag of %d: %s", in->tid, strerror(-ret));
		return ret;
	}
	tc->has_child_subreaper = true;
	tc->child_subreaper = v != 0;
	return 0;
}

static int posix_timers(struct inject *in, pid_t pid, struct sig_bufs *b)
{
	struct proc_posix_timer *pt = NULL;
	size_t n = 0;
	int ret;

	ret = proc_read_timers(pid, &pt, &n);
	if (ret) {
		pr_err("dump: posix timers of %d: %s", pid, strerror(-ret));
		return ret;
	}
	b->pt = calloc(n + 1, sizeof(*b->pt));
	b->ptp = calloc(n + 1, sizeof(*b->ptp));
	if (!b->pt || !b->ptp) {
		free(pt);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n && !ret; i++) {
		PosixTimerEntry *e = &b->pt[i];
		struct kernel_itimerspec v;
		long ov;

		ret = inject_get(in, SYS_timer_gettime, pt[i].id, in->scratch, 0, 0, &v, sizeof(v));
		ov = ret ? 0 : inject_call(in, SYS_timer_getoverrun, pt[i].id, 0, 0, 0, 0, 0);
		if (!ret && ov < 0)
			ret = (int)ov;
		if (ret) {
			pr_err("dump: posix timer %d of %d: %s", pt[i].id, pid, strerror(-ret));
			break;
		}
		posix_timer_entry__init(e);
		e->it_id = (uint32_t)pt[i].id;
		e->clock_id = (uint32_t)pt[i].clock_id;
		e->si_signo = (uint32_t)pt[i].signo;
		e->it_sigev_notify = (uint32_t)pt[i].notify;
		e->sival_ptr = pt[i].sigev_value;
		e->overrun = (uint32_t)ov;
		e->isec = (uint64_t)v.isec;
		e->insec = (uint64_t)v.insec;
		e->vsec = (uint64_t)v.vsec;
		e->vnsec = (uint64_t)v.vnsec;
		if (pt[i].notify_tid) {
			e->has_notify_thread_id = true;
			e->notify_thread_id = pt[i].notify_tid;
		}
		b->ptp[i] = e;
	}
	b->timers.n_posix = n;
	b->timers.posix = b->ptp;
	free(pt);
	return ret;
}

/* Queued siginfos of @tid (@flags: 0 private, PTRACE_PEEKSIGINFO_SHARED). */
static int pending(pid_t tid, unsigned int flags, SignalQueueEntry **out)
{
	struct {
		uint64_t off;
		uint32_t flags;
		int32_t nr;
	} arg = {0, flags, 1};
	SignalQueueEntry *q;
	uint8_t si[128];

	*out = NULL;
	for (;;) {
		long n = ptrace(PTRACE_PEEKSIGINFO, tid, &arg, si);
		SiginfoEntry *e;

		if (n < 0) {
			pr_err("dump: pending signals of %d: %s", tid, strerror(errno));
			return -errno;
		}
		if (n == 0)
			return 0;
		q = *out;
		if (!q) {
			q = calloc(1, sizeof(*q));
			if (!q)
				return -ENOMEM;
			signal_queue_entry__init(q);
			*out = q;
		}
		if (ARRAY_GROW(q->signals, q->n_signals))
			return -ENOMEM;
		e = malloc(sizeof(*e) + sizeof(si));
		if (!e)
			return -ENOMEM;
		siginfo_entry__init(e);
		e->siginfo.len = sizeof(si);
		e->siginfo.data = (uint8_t *)(e + 1);
		memcpy(e->siginfo.data, si, sizeof(si));
		q->signals[q->n_signals++] = e;
		arg.off++;
	}
}

static void queue_free(SignalQueueEntry *q)
{
	if (!q)
		return;
	for (size_t i = 0; i < q->n_signals; i++)
		free(q->signals[i]);
	free(q->signals);
	free(q);
}

int dump_task_signals(struct dump_ctx *ctx, struct dump_task *t, TaskCoreEntry *tc)
{
	struct sig_bufs *b = calloc(1, sizeof(*b));
	struct inject in;
	int ret;

	if (!b)
		return -ENOMEM;
	task_timers_entry__init(&b->timers);
	tc->timers = &b->timers; /* owns b: freed with dump_task_signals_free */
	ret = inject_start(&in, t->pid);
	if (ret)
		goto err;
	ret = sigactions(&in, b, tc);
	if (!ret)
		ret = itimers(&in, b);
	if (!ret)
		ret = posix_timers(&in, t->pid, b);
	/* /proc/PID/timers names the thread as the tool sees it: the images, as the tree does */
	for (size_t i = 0; !ret && b->ptp && b->ptp[i]; i++)
		if (b->ptp[i]->has_notify_thread_id)
			b->ptp[i]->notify_thread_id =
				(uint32_t)dump_ns_vpid(ctx, (pid_t)b->ptp[i]->notify_thread_id);
	if (!ret)
		ret = child_subreaper(&in, tc);
	if (!ret)
		ret = dump_mm_membarrier(&in, t->pid, tc);
	ret = inject_end(&in) ?: ret;
	if (!ret)
		ret = pending(t->pid, PTRACE_PEEKSIGINFO_SHARED, &tc->signals_s);
	if (!ret)
		return 0;
err:
	dump_task_signals_free(tc);
	return ret;
}

void dump_task_signals_free(TaskCoreEntry *tc)
{
	/* timers is the first member of struct sig_bufs' allocation's owner */
	struct sig_bufs *b;

	if (tc->timers) {
		b = (struct sig_bufs *)((char *)tc->timers - offsetof(struct sig_bufs, timers));
		free(b->pt);
		free(b->ptp);
		free(b);
	}
	tc->timers = NULL;
	tc->sigactions = NULL;
	tc->n_sigactions = 0;
	queue_free(tc->signals_s);
	tc->signals_s = NULL;
}

/* clear_child_tid lives in the arch's thread info message. */
static void set_clear_tid(CoreEntry *core, uint64_t addr)
{
	if (core->thread_info)
		core->thread_info->clear_tid_addr = addr;
	else if (core->ti_ppc64)
		core->ti_ppc64->clear_tid_addr = addr;
	else if (core->ti_s390)
		core->ti_s390->clear_tid_addr = addr;
}

static int thread_inject(pid_t tid, ThreadCoreEntry *thc, CoreEntry *core)
{
	struct kernel_stack ss;
	uint64_t tidaddr = 0;
	int32_t pdeath = 0;
	struct inject in;
	int ret;

	ret = inject_start(&in, tid);
	if (ret)
		return ret;
	ret = inject_get(&in, SYS_sigaltstack, 0, in.scratch, 0, 0, &ss, sizeof(ss));
	if (ret)
		pr_err("dump: sigaltstack of thread %d: %s", tid, strerror(-ret));
	if (!ret) {
		ret = inject_get(&in, SYS_prctl, PR_GET_TID_ADDRESS, in.scratch, 0, 0, &tidaddr,
				 sizeof(tidaddr));
		if (ret)
			pr_err("dump: clear_child_tid of thread %d: %s", tid, strerror(-ret));
	}
	if (!ret) {
		/* Per thread: the kernel keeps it in each task_struct, a new thread starts at 0. */
		ret = inject_get(&in, SYS_prctl, PR_GET_PDEATHSIG, in.scratch, 0, 0, &pdeath,
				 sizeof(pdeath));
		if (ret)
			pr_err("dump: parent-death signal of thread %d: %s", tid, strerror(-ret));
	}
	if (!ret && thc->creds) {
		long sb = inject_call(&in, SYS_prctl, PR_GET_SECUREBITS, 0, 0, 0, 0, 0);

		if (sb >= 0)
			thc->creds->secbits = (uint32_t)sb;
	}
	ret = inject_end(&in) ?: ret;
	if (ret)
		return ret;
	thc->sas = calloc(1, sizeof(*thc->sas));
	if (!thc->sas)
		return -ENOMEM;
	thread_sas_entry__init(thc->sas);
	thc->sas->ss_sp = ss.sp;
	thc->sas->ss_size = ss.size;
	thc->sas->ss_flags = (uint32_t)ss.flags;
	thc->has_pdeath_sig = true;
	thc->pdeath_sig = (uint32_t)pdeath;
	set_clear_tid(core, tidaddr);
	return 0;
}

int dump_thread_signals(struct dump_ctx *ctx, struct dump_task *t, pid_t tid, ThreadCoreEntry *thc,
			CoreEntry *core)
{
	struct rseq_conf rc;
	int ret;

	ret = thread_inject(tid, thc, core);
	if (!ret)
		ret = pending(tid, 0, &thc->signals_p);
	if (ret)
		return ret;
	memset(&rc, 0, sizeof(rc));
	if (ptrace(CRL_PTRACE_GET_RSEQ_CONFIGURATION, tid, sizeof(rc), &rc) > 0 &&
	    rc.rseq_abi_pointer) {
		thc->rseq_entry = calloc(1, sizeof(*thc->rseq_entry));
		if (!thc->rseq_entry)
			return -ENOMEM;
		rseq_entry__init(thc->rseq_entry);
		thc->rseq_entry->rseq_abi_pointer = rc.rseq_abi_pointer;
		thc->rseq_entry->rseq_abi_size = rc.rseq_abi_size;
		thc->rseq_entry->signature = rc.signature;
	}
	return 0;
}

void dump_thread_signals_free(ThreadCoreEntry *thc)
{
	free(thc->sas);
	thc->sas = NULL;
	free(thc->rseq_entry);
	thc->rseq_entry = NULL;
	queue_free(thc->signals_p);
	thc->signals_p = NULL;
}
