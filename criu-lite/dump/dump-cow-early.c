/*
 * Arming dump -R's copy-on-write snapshot before the freeze
 * (docs/dump-cow.md, "The frozen time"). Write-protecting a GiB of small
 * pages walks 262144 PTEs: 70-150 ms here, too long inside the freeze. So
 * each process of the tree gets its userfaultfd and its protection while it
 * runs (its leader stopped only for the three injected syscalls); a write
 * meanwhile is let through at once (COW_PHASE_EARLY). At the freeze only the
 * pages written or created since are protected again (dump-cow.c,
 * protect_unprotected), which reads the page tables instead of writing them.
 * A process this misses (started later, stopped, its leader gone) is armed
 * at the freeze as before.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <unistd.h>

#include "dump-cow-int.h"
#include "log.h"
#include "pagemap-scan.h"
#include "proc-stat.h"
#include "proc-task.h"
#include "ptrace.h"
#include "uffd.h"

#ifndef PTRACE_O_SUSPEND_SECCOMP
#define PTRACE_O_SUSPEND_SECCOMP (1 << 21)
#endif

#define EARLY_MAX_PROCS 4096

/* The processes of the tree of @root, parents first (at most @max). */
static size_t tree_pids(pid_t root, pid_t *out, size_t max)
{
	size_t n = 0;

	out[n++] = root;
	for (size_t i = 0; i < n; i++) {
		pid_t *tids = NULL, *kids = NULL;
		size_t nt = 0, nk = 0;

		if (proc_list_threads(out[i], &tids, &nt))
			continue;
		for (size_t j = 0; j < nt; j++) {
			if (proc_list_children(out[i], tids[j], &kids, &nk))
				continue;
			for (size_t k = 0; k < nk && n < max; k++)
				out[n++] = kids[k];
			free(kids);
			kids = NULL;
		}
		free(tids);
	}
	return n;
}

static bool early_vma(const struct proc_vma *v)
{
	if (v->vmflags & (PROC_VMF_IO | PROC_VMF_PFNMAP))
		return false;
	return v->kind == PROC_VMA_ANON || v->kind == PROC_VMA_HEAP || v->kind == PROC_VMA_STACK;
}

static int early_region(const struct page_region *r, void *arg)
{
	struct dump_cow_task *ct = arg;

	if (!ct->early_hi || r->start < ct->early_lo)
		ct->early_lo = r->start;
	if (r->end > ct->early_hi)
		ct->early_hi = r->end;
	return uffd_writeprotect(ct->uffd, r->start, r->end - r->start, 1);
}

/* Registers and protects the pages holding data of @ct's anonymous VMAs. */
static void early_protect(struct dump_ctx *ctx, struct dump_cow_task *ct)
{
	const struct pagemap_scan_query q = {
		.inverted = PAGE_IS_PFNZERO,
		.mask = PAGE_IS_PFNZERO,
		.anyof = PAGE_IS_PRESENT | PAGE_IS_SWAPPED,
		.ret = PAGE_IS_PRESENT | PAGE_IS_SWAPPED,
	};
	struct proc_vma_list l = {0};

	if (dump_mm_read_vmas(ctx, ct->pid, &l))
		return;
	for (size_t i = 0; i < l.n; i++) {
		const struct proc_vma *v = &l.v[i];

		if (early_vma(v) && !uffd_register_wp(ct->uffd, v->start, v->end - v->start))
			pagemap_scan_walk(ct->pm_fd, v->start, v->end, &q, early_region, ct);
	}
	proc_vma_list_free(&l);
}

static void early_task(struct dump_ctx *ctx, pid_t pid)
{
	struct dump_cow_task *ct;
	struct proc_stat st;
	int uffd, sig = 0, err;

	/* running or sleeping, not traced by another: else at the freeze */
	if (proc_read_stat(pid, pid, &st) || (st.state != 'R' && st.state != 'S'))
		return;
	if (ptrace_seize_stop(pid, PTRACE_O_SUSPEND_SECCOMP, DUMP_SEIZE_TIMEOUT_MS, &sig))
		return;
	uffd = sig ? -EAGAIN : cow_take_uffd(pid);
	ptrace_detach(pid, 0);
	if (uffd < 0) {
		pr_debug("dump: %d not armed before the freeze: %s", pid, strerror(-uffd));
		return;
	}
	ct = cow_task_new(ctx->cow, pid, uffd, &err);
	if (!ct)
		return;
	ct->early = true;
	cow_serve_enable(ctx->cow, ct, COW_PHASE_EARLY);
	early_protect(ctx, ct);
}

void dump_cow_arm_early(struct dump_ctx *ctx)
{
	uint64_t t0 = dump_now_us();
	pid_t *pids;
	size_t n;

	if (!ctx->cow)
		return;
	pids = malloc(EARLY_MAX_PROCS * sizeof(*pids));
	if (!pids)
		return;
	n = tree_pids(ctx->o->pid, pids, EARLY_MAX_PROCS);
	/* a stop asked meanwhile: no more seizing (the dump ends at its next checkpoint) */
	for (size_t i = 0; i < n && !dump_checkpoint(ctx, "cow-arm"); i++)
		early_task(ctx, pids[i]);
	free(pids);
	pr_debug("dump: %zu processes write-protected before the freeze in %llu us", n,
		 (unsigned long long)(dump_now_us() - t0));
}
