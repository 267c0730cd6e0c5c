/*
 * s390x thread state <-> CRIU's core image (core_entry.ti_s390).
 *
 * gpregs: PSW mask and address, 16 GPRs, 16 access registers, orig_gpr2 and
 * the system_call word; fpregs: fpc and 16 FPRs; vxrs_low: 16 doublewords
 * (right halves of v0-v15); vxrs_high: 32 doublewords (v16-v31). Guarded
 * storage and runtime instrumentation control blocks are not dumped.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "core.pb-c.h"

static void *dup_mem(const void *src, size_t len)
{
	void *p = malloc(len);

	if (p)
		memcpy(p, src, len);
	return p;
}

static int fill_gpregs(UserS390RegsEntry *g, const struct arch_regs *r)
{
	g->psw_mask = r->r.psw_mask;
	g->psw_addr = r->r.psw_addr;
	g->n_gprs = 16;
	g->gprs = dup_mem(r->r.gprs, sizeof(r->r.gprs));
	g->n_acrs = 16;
	g->acrs = dup_mem(r->r.acrs, sizeof(r->r.acrs));
	g->orig_gpr2 = r->r.orig_gpr2;
	g->system_call = r->system_call;
	return g->gprs && g->acrs ? 0 : -ENOMEM;
}

static int fill_vx(ThreadInfoS390 *ti, const struct arch_thread_state *st)
{
	UserS390VxrsLowEntry *lo = calloc(1, sizeof(*lo));
	UserS390VxrsHighEntry *hi = calloc(1, sizeof(*hi));

	ti->vxrs_low = lo;
	ti->vxrs_high = hi;
	if (!lo || !hi)
		return -ENOMEM;
	user_s390_vxrs_low_entry__init(lo);
	user_s390_vxrs_high_entry__init(hi);
	lo->n_regs = 16;
	lo->regs = dup_mem(st->vxrs_low, sizeof(st->vxrs_low));
	hi->n_regs = 32;
	hi->regs = dup_mem(st->vxrs_high, sizeof(st->vxrs_high));
	return lo->regs && hi->regs ? 0 : -ENOMEM;
}

int arch_core_fill(CoreEntry *core, const struct arch_thread_state *st)
{
	ThreadInfoS390 *ti = calloc(1, sizeof(*ti));
	UserS390RegsEntry *g = calloc(1, sizeof(*g));
	UserS390FpregsEntry *fp = calloc(1, sizeof(*fp));
	int ret;

	core->mtype = CORE_ENTRY__MARCH__S390;
	core->ti_s390 = ti;
	if (!ti || !g || !fp) {
		free(g);
		free(fp);
		return -ENOMEM;
	}
	thread_info_s390__init(ti);
	user_s390_regs_entry__init(g);
	user_s390_fpregs_entry__init(fp);
	ti->gpregs = g;
	ti->fpregs = fp;
	ret = fill_gpregs(g, &st->regs);
	if (ret)
		return ret;
	fp->fpc = st->fp.fpc;
	fp->n_fprs = 16;
	fp->fprs = dup_mem(st->fp.fprs, sizeof(st->fp.fprs));
	if (!fp->fprs)
		return -ENOMEM;
	return st->has_vx ? fill_vx(ti, st) : 0;
}

void arch_core_free(CoreEntry *core)
{
	ThreadInfoS390 *ti = core->ti_s390;

	if (!ti)
		return;
	if (ti->gpregs) {
		free(ti->gpregs->gprs);
		free(ti->gpregs->acrs);
	}
	free(ti->gpregs);
	if (ti->fpregs)
		free(ti->fpregs->fprs);
	free(ti->fpregs);
	if (ti->vxrs_low)
		free(ti->vxrs_low->regs);
	free(ti->vxrs_low);
	if (ti->vxrs_high)
		free(ti->vxrs_high->regs);
	free(ti->vxrs_high);
	free(ti);
	core->ti_s390 = NULL;
}

int arch_core_read(const CoreEntry *core, struct arch_thread_state *st)
{
	const ThreadInfoS390 *ti = core->ti_s390;
	const UserS390RegsEntry *g;

	if (core->mtype != CORE_ENTRY__MARCH__S390 || !ti || !ti->gpregs || !ti->fpregs)
		return -EINVAL;
	g = ti->gpregs;
	if (g->n_gprs != 16 || g->n_acrs != 16 || ti->fpregs->n_fprs != 16)
		return -EINVAL;
	memset(st, 0, sizeof(*st));
	st->regs.r.psw_mask = g->psw_mask;
	st->regs.r.psw_addr = g->psw_addr;
	memcpy(st->regs.r.gprs, g->gprs, sizeof(st->regs.r.gprs));
	memcpy(st->regs.r.acrs, g->acrs, sizeof(st->regs.r.acrs));
	st->regs.r.orig_gpr2 = g->orig_gpr2;
	st->regs.system_call = g->system_call;
	st->fp.fpc = ti->fpregs->fpc;
	memcpy(st->fp.fprs, ti->fpregs->fprs, sizeof(st->fp.fprs));
	if (ti->vxrs_low && ti->vxrs_high) {
		if (ti->vxrs_low->n_regs != 16 || ti->vxrs_high->n_regs != 32)
			return -EINVAL;
		memcpy(st->vxrs_low, ti->vxrs_low->regs, sizeof(st->vxrs_low));
		memcpy(st->vxrs_high, ti->vxrs_high->regs, sizeof(st->vxrs_high));
		st->has_vx = true;
	}
	return 0;
}
