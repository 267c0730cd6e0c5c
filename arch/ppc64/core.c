/*
 * ppc64 thread state <-> CRIU's core image (core_entry.ti_ppc64).
 *
 * Layout of the image fields, as CRIU writes them: gpregs hold the 32 GPRs
 * and the special registers; fpstate 33 doublewords (fpr0-31, fpscr);
 * vrstate the 32 VRs and VSCR as 66 doublewords plus vrsave; vsxstate the 32
 * low doublewords of vsr0-31. Transactional memory state is not dumped.
 * softe, dar, dsisr and result have no image field: the kernel does not take
 * them from a tracer anyway.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "core.pb-c.h"

#define VR_IMG_DWORDS 66     /* vr0-31 + vscr quadword */
#define VRSAVE_OFF (33 * 16) /* vrsave: first word of the 34th quadword */

static uint64_t *dup_u64(const uint64_t *src, size_t n)
{
	uint64_t *p = malloc(n * sizeof(*p));

	if (p)
		memcpy(p, src, n * sizeof(*p));
	return p;
}

static int fill_gpregs(UserPpc64RegsEntry *g, const struct ppc64_gregs *r)
{
	g->n_gpr = 32;
	g->gpr = dup_u64(r->gpr, 32);
	g->nip = r->nip;
	g->msr = r->msr;
	g->orig_gpr3 = r->orig_gpr3;
	g->ctr = r->ctr;
	g->link = r->link;
	g->xer = r->xer;
	g->ccr = r->ccr;
	g->trap = r->trap;
	return g->gpr ? 0 : -ENOMEM;
}

static int fill_vector(ThreadInfoPpc64 *ti, const struct arch_thread_state *st)
{
	if (st->has_vmx) {
		UserPpc64VrstateEntry *vr = calloc(1, sizeof(*vr));

		if (!vr)
			return -ENOMEM;
		user_ppc64_vrstate_entry__init(vr);
		ti->vrstate = vr;
		vr->n_vrregs = VR_IMG_DWORDS;
		vr->vrregs = dup_u64(st->vmx, VR_IMG_DWORDS);
		memcpy(&vr->vrsave, (const uint8_t *)st->vmx + VRSAVE_OFF, sizeof(vr->vrsave));
		if (!vr->vrregs)
			return -ENOMEM;
	}
	if (st->has_vsx) {
		UserPpc64VsxstateEntry *vs = calloc(1, sizeof(*vs));

		if (!vs)
			return -ENOMEM;
		user_ppc64_vsxstate_entry__init(vs);
		ti->vsxstate = vs;
		vs->n_vsxregs = PPC64_NVSX;
		vs->vsxregs = dup_u64(st->vsx, PPC64_NVSX);
		if (!vs->vsxregs)
			return -ENOMEM;
	}
	return 0;
}

int arch_core_fill(CoreEntry *core, const struct arch_thread_state *st)
{
	ThreadInfoPpc64 *ti = calloc(1, sizeof(*ti));
	UserPpc64RegsEntry *g = calloc(1, sizeof(*g));
	UserPpc64FpstateEntry *fp = calloc(1, sizeof(*fp));
	int ret;

	core->mtype = CORE_ENTRY__MARCH__PPC64;
	core->ti_ppc64 = ti;
	if (!ti || !g || !fp) {
		free(g);
		free(fp);
		return -ENOMEM;
	}
	thread_info_ppc64__init(ti);
	user_ppc64_regs_entry__init(g);
	user_ppc64_fpstate_entry__init(fp);
	ti->gpregs = g;
	ti->fpstate = fp;
	ret = fill_gpregs(g, &st->regs.r);
	if (ret)
		return ret;
	fp->n_fpregs = PPC64_NFPREG;
	fp->fpregs = dup_u64(st->fpr, PPC64_NFPREG);
	if (!fp->fpregs)
		return -ENOMEM;
	return fill_vector(ti, st);
}

void arch_core_free(CoreEntry *core)
{
	ThreadInfoPpc64 *ti = core->ti_ppc64;

	if (!ti)
		return;
	if (ti->gpregs)
		free(ti->gpregs->gpr);
	free(ti->gpregs);
	if (ti->fpstate)
		free(ti->fpstate->fpregs);
	free(ti->fpstate);
	if (ti->vrstate)
		free(ti->vrstate->vrregs);
	free(ti->vrstate);
	if (ti->vsxstate)
		free(ti->vsxstate->vsxregs);
	free(ti->vsxstate);
	free(ti);
	core->ti_ppc64 = NULL;
}

static int read_gpregs(struct ppc64_gregs *r, const UserPpc64RegsEntry *g)
{
	if (g->n_gpr != 32)
		return -EINVAL;
	memcpy(r->gpr, g->gpr, sizeof(r->gpr));
	r->nip = g->nip;
	r->msr = g->msr;
	r->orig_gpr3 = g->orig_gpr3;
	r->ctr = g->ctr;
	r->link = g->link;
	r->xer = g->xer;
	r->ccr = g->ccr;
	r->trap = g->trap;
	return 0;
}

int arch_core_read(const CoreEntry *core, struct arch_thread_state *st)
{
	const ThreadInfoPpc64 *ti = core->ti_ppc64;
	int ret;

	if (core->mtype != CORE_ENTRY__MARCH__PPC64 || !ti || !ti->gpregs)
		return -EINVAL;
	memset(st, 0, sizeof(*st));
	ret = read_gpregs(&st->regs.r, ti->gpregs);
	if (ret)
		return ret;
	if (ti->fpstate) {
		if (ti->fpstate->n_fpregs != PPC64_NFPREG)
			return -EINVAL;
		memcpy(st->fpr, ti->fpstate->fpregs, sizeof(st->fpr));
	}
	if (ti->vrstate) {
		if (ti->vrstate->n_vrregs != VR_IMG_DWORDS)
			return -EINVAL;
		memcpy(st->vmx, ti->vrstate->vrregs, VR_IMG_DWORDS * sizeof(uint64_t));
		memcpy((uint8_t *)st->vmx + VRSAVE_OFF, &ti->vrstate->vrsave,
		       sizeof(ti->vrstate->vrsave));
		st->has_vmx = true;
	}
	if (ti->vsxstate) {
		if (ti->vsxstate->n_vsxregs != PPC64_NVSX)
			return -EINVAL;
		memcpy(st->vsx, ti->vsxstate->vsxregs, sizeof(st->vsx));
		st->has_vsx = true;
	}
	return 0;
}
