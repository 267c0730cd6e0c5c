/*
 * seccomp.img: the seccomp state of every thread. A thread in filter mode
 * has a chain of filters, which PTRACE_SECCOMP_GET_FILTER hands back oldest
 * first (index 0 is the first installed); it is recorded into one table for the whole
 * tree, where a filter equal to one recorded already (same program, same
 * flags, same predecessor) is that entry: threads and forked children that
 * share a chain share its entries. thread_core.seccomp_filter names the
 * newest. Strict mode has no filter, only the mode.
 *
 * Reading filters, and injecting into a filtered thread at all, needs the
 * tree seized with PTRACE_O_SUSPEND_SECCOMP (dump-seize.c); without it,
 * filtered threads are refused.
 */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "core.pb-c.h"
#include "dump.h"
#include "log.h"
#include "proc-stat.h"
#include "ptrace.h"
#include "seccomp.pb-c.h"

#define SECCOMP_MAX_INSNS 4096 /* BPF_MAXINSNS: the kernel's bound per filter */

#ifndef SECCOMP_RET_USER_NOTIF
#define SECCOMP_RET_USER_NOTIF 0x7fc00000U
#endif

struct dump_seccomp {
	SeccompFilter *f; /* the table, in seccomp.img order */
	size_t n;
	struct sock_filter *buf; /* one filter as read, SECCOMP_MAX_INSNS long */
};

/* One filter of a chain as read, before it is put in the table. */
struct sc_read {
	void *code;
	size_t len; /* bytes */
	uint32_t flags;
};

static int sc_ctx(struct dump_ctx *ctx, struct dump_seccomp **out)
{
	if (!ctx->seccomp) {
		ctx->seccomp = calloc(1, sizeof(*ctx->seccomp));
		if (!ctx->seccomp)
			return -ENOMEM;
	}
	if (!ctx->seccomp->buf) {
		ctx->seccomp->buf = malloc(SECCOMP_MAX_INSNS * sizeof(struct sock_filter));
		if (!ctx->seccomp->buf)
			return -ENOMEM;
	}
	*out = ctx->seccomp;
	return 0;
}

/*
 * A filter that hands syscalls to a listener (SECCOMP_RET_USER_NOTIF) needs
 * that listener, which restore cannot recreate; a computed return (RET A)
 * might be one. Returns the reason, or NULL.
 */
static const char *sc_unsupported(const struct sock_filter *code, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (code[i].code == (BPF_RET | BPF_A))
			return "returns a computed action (BPF_RET|BPF_A)";
		if (code[i].code == (BPF_RET | BPF_K) &&
		    (code[i].k & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_USER_NOTIF)
			return "notifies a listener (SECCOMP_RET_USER_NOTIF)";
	}
	return NULL;
}

/* Index of the entry for @r after @prev (-1: none), appended if new. */
static int sc_table_add(struct dump_seccomp *sc, const struct sc_read *r, long prev, uint32_t *idx)
{
	SeccompFilter *e;

	for (size_t i = 0; i < sc->n; i++) {
		e = &sc->f[i];
		if (e->has_prev != (prev >= 0) || (prev >= 0 && e->prev != (uint32_t)prev) ||
		    e->flags != r->flags || e->filter.len != r->len ||
		    memcmp(e->filter.data, r->code, r->len))
			continue;
		*idx = (uint32_t)i;
		return 0;
	}
	if (ARRAY_GROW(sc->f, sc->n))
		return -ENOMEM;
	e = &sc->f[sc->n];
	seccomp_filter__init(e);
	e->filter.data = malloc(r->len);
	if (!e->filter.data)
		return -ENOMEM;
	memcpy(e->filter.data, r->code, r->len);
	e->filter.len = r->len;
	e->has_flags = true;
	e->flags = r->flags;
	e->has_prev = prev >= 0;
	e->prev = prev >= 0 ? (uint32_t)prev : 0;
	*idx = (uint32_t)sc->n++;
	return 0;
}

/* Filter @i of thread @tid into @r (a copy); -ENOENT past the newest. */
static int sc_read_one(struct dump_seccomp *sc, struct dump_task *t, pid_t tid, size_t i,
		       struct sc_read *r)
{
	uint64_t flags = 0;
	const char *why;
	long n;
	int ret;

	n = ptrace_seccomp_filter(tid, i, sc->buf, SECCOMP_MAX_INSNS);
	if (n == -ENOENT)
		return -ENOENT;
	ret = n < 0 ? (int)n : ptrace_seccomp_flags(tid, i, &flags);
	if (ret) {
		pr_err("dump: seccomp filter %zu of thread %d of pid %d: %s", i, tid, t->pid,
		       strerror(-ret));
		return ret == -ENOENT ? -EIO : ret;
	}
	why = sc_unsupported(sc->buf, (size_t)n);
	if (why) {
		pr_err("dump: seccomp filter %zu of thread %d of pid %d %s: not supported", i, tid,
		       t->pid, why);
		return -EOPNOTSUPP;
	}
	r->len = (size_t)n * sizeof(struct sock_filter);
	r->flags = (uint32_t)flags;
	r->code = malloc(r->len ? r->len : 1);
	if (!r->code)
		return -ENOMEM;
	memcpy(r->code, sc->buf, r->len);
	return 0;
}

static void sc_chain_free(struct sc_read *chain, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(chain[i].code);
	free(chain);
}

/* Reads @tid's chain (oldest first) into the table. */
static int sc_dump_chain(struct dump_seccomp *sc, struct dump_task *t, pid_t tid,
			 ThreadCoreEntry *thc)
{
	struct sc_read *chain = NULL;
	size_t n = 0;
	long prev = -1;
	uint32_t idx = 0;
	int ret;

	for (;;) {
		if (ARRAY_GROW(chain, n)) {
			ret = -ENOMEM;
			break;
		}
		ret = sc_read_one(sc, t, tid, n, &chain[n]);
		if (ret)
			break;
		n++;
	}
	if (ret == -ENOENT && n == 0) {
		pr_err("dump: thread %d of pid %d is in seccomp filter mode with no filter", tid,
		       t->pid);
		ret = -EIO;
	}
	if (ret == -ENOENT)
		ret = 0;
	for (size_t i = 0; i < n && !ret; i++, prev = idx)
		ret = sc_table_add(sc, &chain[i], prev, &idx);
	sc_chain_free(chain, n);
	if (ret)
		return ret;
	thc->has_seccomp_mode = thc->has_seccomp_filter = true;
	thc->seccomp_mode = SECCOMP_MODE__filter;
	thc->seccomp_filter = idx;
	return 0;
}

int dump_seccomp_check_seized(struct dump_ctx *ctx, struct dump_task *t)
{
	if (!ctx->seccomp_unsuspended)
		return 0;
	for (size_t i = 0; i < t->nr_threads; i++) {
		struct proc_status st;
		pid_t tid = t->threads[i].tid;
		int ret = proc_read_status(t->pid, tid, &st);

		if (ret) {
			pr_err("dump: status of thread %d of pid %d: %s", tid, t->pid,
			       strerror(-ret));
			return ret;
		}
		if (st.seccomp > SECCOMP_MODE_DISABLED) {
			pr_err("dump: thread %d of pid %d runs under seccomp and the tool cannot "
			       "suspend it (PTRACE_O_SUSPEND_SECCOMP needs CAP_SYS_ADMIN and a "
			       "tool not under seccomp)",
			       tid, t->pid);
			return -EOPNOTSUPP;
		}
	}
	return 0;
}

int dump_seccomp_thread(struct dump_ctx *ctx, struct dump_task *t, pid_t tid, int mode,
			ThreadCoreEntry *thc)
{
	struct dump_seccomp *sc;
	int ret;

	/* Without PTRACE_O_SUSPEND_SECCOMP it was refused at the freeze already. */
	if (mode <= SECCOMP_MODE_DISABLED)
		return 0;
	if (mode == SECCOMP_MODE_STRICT) {
		thc->has_seccomp_mode = true;
		thc->seccomp_mode = SECCOMP_MODE__strict;
		return 0;
	}
	if (mode != SECCOMP_MODE_FILTER) {
		pr_err("dump: thread %d of pid %d: unknown seccomp mode %d", tid, t->pid, mode);
		return -EOPNOTSUPP;
	}
	ret = sc_ctx(ctx, &sc);
	return ret ?: sc_dump_chain(sc, t, tid, thc);
}

int dump_seccomp_finish(struct dump_ctx *ctx)
{
	SeccompEntry e = SECCOMP_ENTRY__INIT;
	SeccompFilter **pf;
	int ret;

	if (!ctx->seccomp || !ctx->seccomp->n)
		return 0;
	pf = malloc(ctx->seccomp->n * sizeof(*pf));
	if (!pf)
		return -ENOMEM;
	for (size_t i = 0; i < ctx->seccomp->n; i++)
		pf[i] = &ctx->seccomp->f[i];
	e.n_seccomp_filters = ctx->seccomp->n;
	e.seccomp_filters = pf;
	ret = img_write_one(&ctx->dir, IMG_SECCOMP, 0, &e.base);
	free(pf);
	if (ret)
		pr_err("dump: seccomp.img: %s", strerror(-ret));
	return ret;
}

void dump_seccomp_fini(struct dump_ctx *ctx)
{
	if (!ctx->seccomp)
		return;
	for (size_t i = 0; i < ctx->seccomp->n; i++)
		free(ctx->seccomp->f[i].filter.data);
	free(ctx->seccomp->f);
	free(ctx->seccomp->buf);
	free(ctx->seccomp);
	ctx->seccomp = NULL;
}
