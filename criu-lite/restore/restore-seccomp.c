/*
 * Seccomp (seccomp.img and each thread's seccomp mode): every thread gets
 * its chain of filters back, oldest first, by injected seccomp(2) calls into
 * that thread, before its credentials are restored (installing a filter
 * without no_new_privs needs CAP_SYS_ADMIN, which the credentials may drop).
 * The tree is seized with PTRACE_O_SUSPEND_SECCOMP (restore-finish.c), so
 * the syscalls injected after that are not filtered; the suspension ends
 * with the detach. Strict mode is set the same way.
 */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "inject.h"
#include "log.h"
#include "restore.h"
#include "restore-scratch.h"
#include "seccomp.pb-c.h"

#define RST_SC_MAX_INSNS 4096 /* BPF_MAXINSNS */
#define RST_SC_FILTER_OFF 64  /* where the filter goes in the scratch slot, after its sock_fprog */
_Static_assert(RST_SC_FILTER_OFF + RST_SC_MAX_INSNS * sizeof(struct sock_filter) <=
		       sizeof(((struct rst_scratch_layout *)0)->seccomp),
	       "the longest seccomp filter does not fit its scratch slot");

/* A thread's recorded mode (SECCOMP_MODE__*). */
static int rst_seccomp_mode(const struct rst_thread *th)
{
	const ThreadCoreEntry *thc = th->core ? th->core->thread_core : NULL;

	return thc && thc->has_seccomp_mode ? (int)thc->seccomp_mode : SECCOMP_MODE__disabled;
}

static const char *rst_sc_check_filter(const SeccompEntry *e, uint32_t i)
{
	const SeccompFilter *f = e->seccomp_filters[i];

	if (!f->filter.len || f->filter.len % sizeof(struct sock_filter))
		return "program length is not a whole number of instructions";
	if (f->filter.len / sizeof(struct sock_filter) > RST_SC_MAX_INSNS)
		return "program longer than the kernel takes";
	if (f->has_prev && f->prev >= e->n_seccomp_filters)
		return "predecessor out of range";
	if (f->has_flags && (f->flags & ~(uint32_t)SECCOMP_FILTER_FLAG_LOG))
		return "flags other than SECCOMP_FILTER_FLAG_LOG";
	return NULL;
}

/* The chain that ends at @top is well formed and ends (no cycle). */
static int rst_sc_check_chain(const SeccompEntry *e, pid_t tid, uint32_t top)
{
	uint32_t i = top;
	size_t steps = 0;

	if (!e || top >= e->n_seccomp_filters) {
		pr_err("core-%d.img: seccomp filter %u is not in seccomp.img", tid, top);
		return -EINVAL;
	}
	for (;;) {
		const char *bad = rst_sc_check_filter(e, i);

		if (!bad && ++steps > e->n_seccomp_filters)
			bad = "chain loops";
		if (bad) {
			pr_err("seccomp.img: filter %u (of thread %d): %s", i, tid, bad);
			return -EINVAL;
		}
		if (!e->seccomp_filters[i]->has_prev)
			return 0;
		i = e->seccomp_filters[i]->prev;
	}
}

static int rst_sc_check_thread(const struct rst_ctx *c, const struct rst_thread *th)
{
	const ThreadCoreEntry *thc = th->core->thread_core;

	if (!thc || !thc->has_seccomp_mode || thc->seccomp_mode == SECCOMP_MODE__disabled)
		return 0;
	if (thc->seccomp_mode == SECCOMP_MODE__strict)
		return 0;
	if (thc->seccomp_mode != SECCOMP_MODE__filter) {
		pr_err("core-%d.img: unknown seccomp mode %d", th->tid, (int)thc->seccomp_mode);
		return -EINVAL;
	}
	if (!thc->has_seccomp_filter) {
		pr_err("core-%d.img: seccomp filter mode without a filter", th->tid);
		return -EINVAL;
	}
	return rst_sc_check_chain(c->seccomp, th->tid, thc->seccomp_filter);
}

int rst_seccomp_read(struct rst_ctx *c)
{
	ProtobufCMessage *m = NULL;
	int ret = 0;

	if (!faccessat(c->dir.fd, img_kind_desc(IMG_SECCOMP)->name, F_OK, 0)) {
		ret = img_read_one(&c->dir, IMG_SECCOMP, 0, &seccomp_entry__descriptor, &m);
		if (ret) {
			pr_err("seccomp.img: %s", strerror(-ret));
			return ret;
		}
		c->seccomp = (SeccompEntry *)m;
	}
	for (size_t i = 0; !ret && i < c->nr_tasks; i++) {
		const struct rst_task *t = &c->tasks[i];

		for (size_t j = 0; !ret && !t->zombie && j < t->nr_th; j++) {
			ret = rst_sc_check_thread(c, &t->th[j]);
			if (rst_seccomp_mode(&t->th[j]) != SECCOMP_MODE__disabled)
				c->seccomp_used = true;
		}
	}
	return ret;
}

void rst_seccomp_free(struct rst_ctx *c)
{
	if (c->seccomp)
		img_free_msg(&c->seccomp->base);
	c->seccomp = NULL;
}

/* Installs filter @i (its predecessors first) into the thread of @in. */
static int rst_sc_install(const SeccompEntry *e, uint32_t i, pid_t tid, struct inject *in,
			  const struct rst_scratch *sc)
{
	const SeccompFilter *f = e->seccomp_filters[i];
	struct sock_fprog prog = {
		.len = (unsigned short)(f->filter.len / sizeof(struct sock_filter)),
	};
	unsigned long prog_at = 0, filter_at = 0;
	long r;

	if (f->has_prev) {
		int ret = rst_sc_install(e, f->prev, tid, in, sc);

		if (ret)
			return ret;
	}
	/* The filter, then the program pointing to it (4096 instructions at most: read checks). */
	r = rst_scratch_put(in, sc, RST_SCR_SECCOMP, RST_SC_FILTER_OFF, f->filter.data,
			    f->filter.len, &filter_at);
	prog.filter = (struct sock_filter *)filter_at;
	if (!r)
		r = rst_scratch_put(in, sc, RST_SCR_SECCOMP, 0, &prog, sizeof(prog), &prog_at);
	if (!r)
		r = inject_call(in, SYS_seccomp, SECCOMP_SET_MODE_FILTER,
				f->has_flags ? f->flags : 0, prog_at, 0, 0, 0);
	if (r) {
		pr_err("thread %d: installing seccomp filter %u: %s", tid, i, strerror((int)-r));
		return (int)r;
	}
	return 0;
}

int rst_seccomp_restore(struct rst_ctx *c, struct rst_thread *th, struct inject *in,
			const struct rst_scratch *sc)
{
	int mode = rst_seccomp_mode(th);
	long r;

	if (mode == SECCOMP_MODE__filter)
		return rst_sc_install(c->seccomp, th->core->thread_core->seccomp_filter, th->tid,
				      in, sc);
	if (mode != SECCOMP_MODE__strict)
		return 0;
	r = inject_call(in, SYS_prctl, PR_SET_SECCOMP, SECCOMP_MODE_STRICT, 0, 0, 0, 0);
	if (r) {
		pr_err("thread %d: seccomp strict mode: %s", th->tid, strerror((int)-r));
		return (int)r;
	}
	return 0;
}
