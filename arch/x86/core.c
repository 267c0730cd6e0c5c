/*
 * x86_64 thread state <-> CRIU's core image fields.
 *
 * The kernel hands out the FPU state in the standard (non-compacted) XSAVE
 * layout: the 512-byte FXSAVE area, the 64-byte XSAVE header (xstate_bv
 * first), then each component at the offset CPUID leaf 0xD reports for it.
 * The image keeps CRIU's split of that area into named fields.
 */
#include <cpuid.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "core.pb-c.h"

#define FXSAVE_SIZE 512
#define XSAVE_HDR_OFF 512
#define XSAVE_HDR_SIZE 64

/* XSAVE components kept in the image: index, field, bytes the field holds. */
enum {
	XC_YMM = 2,
	XC_BNDREGS = 3,
	XC_BNDCSR = 4,
	XC_OPMASK = 5,
	XC_ZMM_HI256 = 6,
	XC_HI16_ZMM = 7,
	XC_PKRU = 9,
};

struct xcomp {
	unsigned int idx;
	size_t elem;  /* 4 or 8 bytes per repeated element */
	size_t count; /* elements in the image field */
};

static const struct xcomp xcomps[] = {
	{XC_YMM, 4, 64},       {XC_BNDREGS, 8, 8},    {XC_BNDCSR, 8, 8}, {XC_OPMASK, 8, 8},
	{XC_ZMM_HI256, 8, 64}, {XC_HI16_ZMM, 8, 128}, {XC_PKRU, 4, 2},
};

/* Offset and size of component @idx in the standard layout; 0 if unsupported. */
static unsigned int xcomp_off(unsigned int idx, unsigned int *size)
{
	unsigned int a, b, c, d;

	if (!__get_cpuid_count(0xd, idx, &a, &b, &c, &d))
		return 0;
	*size = a;
	return a ? b : 0;
}

static void *field_ptr(UserX86XsaveEntry *x, unsigned int idx, size_t **n)
{
	switch (idx) {
	case XC_YMM:
		*n = &x->n_ymmh_space;
		return &x->ymmh_space;
	case XC_BNDREGS:
		*n = &x->n_bndreg_state;
		return &x->bndreg_state;
	case XC_BNDCSR:
		*n = &x->n_bndcsr_state;
		return &x->bndcsr_state;
	case XC_OPMASK:
		*n = &x->n_opmask_reg;
		return &x->opmask_reg;
	case XC_ZMM_HI256:
		*n = &x->n_zmm_upper;
		return &x->zmm_upper;
	case XC_HI16_ZMM:
		*n = &x->n_hi16_zmm;
		return &x->hi16_zmm;
	case XC_PKRU:
		*n = &x->n_pkru;
		return &x->pkru;
	}
	return NULL;
}

static void *dup_mem(const void *src, size_t len)
{
	void *p = malloc(len ? len : 1);

	if (p)
		memcpy(p, src, len);
	return p;
}

static int fill_fpregs(UserX86FpregsEntry *fp, const struct user_fpregs_struct *f)
{
	fp->cwd = f->cwd;
	fp->swd = f->swd;
	fp->twd = f->ftw;
	fp->fop = f->fop;
	fp->rip = f->rip;
	fp->rdp = f->rdp;
	fp->mxcsr = f->mxcsr;
	fp->mxcsr_mask = f->mxcr_mask;
	fp->n_st_space = 32;
	fp->st_space = dup_mem(f->st_space, sizeof(f->st_space));
	fp->n_xmm_space = 64;
	fp->xmm_space = dup_mem(f->xmm_space, sizeof(f->xmm_space));
	fp->n_padding = 24;
	fp->padding = dup_mem(f->padding, sizeof(f->padding));
	return fp->st_space && fp->xmm_space && fp->padding ? 0 : -ENOMEM;
}

static int fill_xsave(UserX86XsaveEntry *x, const struct arch_thread_state *st)
{
	memcpy(&x->xstate_bv, st->xsave + XSAVE_HDR_OFF, sizeof(x->xstate_bv));
	for (size_t i = 0; i < sizeof(xcomps) / sizeof(xcomps[0]); i++) {
		const struct xcomp *c = &xcomps[i];
		unsigned int size, off = xcomp_off(c->idx, &size);
		size_t *n, bytes = c->elem * c->count;
		void **dst = field_ptr(x, c->idx, &n);

		if (!off || off + size > st->xsave_len)
			continue;
		if (bytes > size)
			bytes = size;
		*dst = calloc(c->count, c->elem);
		if (!*dst)
			return -ENOMEM;
		memcpy(*dst, st->xsave + off, bytes);
		*n = c->count;
	}
	return 0;
}

int arch_core_fill(CoreEntry *core, const struct arch_thread_state *st)
{
	ThreadInfoX86 *ti = calloc(1, sizeof(*ti));
	UserX86RegsEntry *g = calloc(1, sizeof(*g));
	UserX86FpregsEntry *fp = calloc(1, sizeof(*fp));
	const struct user_regs_struct *r = &st->regs.r;

	core->mtype = CORE_ENTRY__MARCH__X86_64;
	core->thread_info = ti;
	if (!ti || !g || !fp) {
		free(g);
		free(fp);
		return -ENOMEM;
	}
	thread_info_x86__init(ti);
	user_x86_regs_entry__init(g);
	user_x86_fpregs_entry__init(fp);
	ti->gpregs = g;
	ti->fpregs = fp;

	g->r15 = r->r15, g->r14 = r->r14, g->r13 = r->r13, g->r12 = r->r12;
	g->bp = r->rbp, g->bx = r->rbx, g->r11 = r->r11, g->r10 = r->r10;
	g->r9 = r->r9, g->r8 = r->r8, g->ax = r->rax, g->cx = r->rcx;
	g->dx = r->rdx, g->si = r->rsi, g->di = r->rdi, g->orig_ax = r->orig_rax;
	g->ip = r->rip, g->cs = r->cs, g->flags = r->eflags, g->sp = r->rsp;
	g->ss = r->ss, g->fs_base = r->fs_base, g->gs_base = r->gs_base;
	g->ds = r->ds, g->es = r->es, g->fs = r->fs, g->gs = r->gs;
	g->has_mode = true;
	g->mode = USER_X86_REGS_MODE__NATIVE;

	if (fill_fpregs(fp, &st->fpregs))
		return -ENOMEM;
	if (st->xsave_len > XSAVE_HDR_OFF) {
		fp->xsave = calloc(1, sizeof(*fp->xsave));
		if (!fp->xsave)
			return -ENOMEM;
		user_x86_xsave_entry__init(fp->xsave);
		return fill_xsave(fp->xsave, st);
	}
	return 0;
}

void arch_core_free(CoreEntry *core)
{
	ThreadInfoX86 *ti = core->thread_info;

	if (!ti)
		return;
	if (ti->fpregs) {
		UserX86FpregsEntry *fp = ti->fpregs;

		free(fp->st_space);
		free(fp->xmm_space);
		free(fp->padding);
		if (fp->xsave) {
			UserX86XsaveEntry *x = fp->xsave;

			free(x->ymmh_space);
			free(x->bndreg_state);
			free(x->bndcsr_state);
			free(x->opmask_reg);
			free(x->zmm_upper);
			free(x->hi16_zmm);
			free(x->pkru);
			free(x);
		}
		free(fp);
	}
	free(ti->gpregs);
	free(ti);
	core->thread_info = NULL;
}

static void read_fpregs(struct user_fpregs_struct *f, const UserX86FpregsEntry *fp)
{
	memset(f, 0, sizeof(*f));
	f->cwd = (unsigned short)fp->cwd;
	f->swd = (unsigned short)fp->swd;
	f->ftw = (unsigned short)fp->twd;
	f->fop = (unsigned short)fp->fop;
	f->rip = fp->rip;
	f->rdp = fp->rdp;
	f->mxcsr = fp->mxcsr;
	f->mxcr_mask = fp->mxcsr_mask;
	if (fp->n_st_space == 32)
		memcpy(f->st_space, fp->st_space, sizeof(f->st_space));
	if (fp->n_xmm_space == 64)
		memcpy(f->xmm_space, fp->xmm_space, sizeof(f->xmm_space));
}

static void read_xsave(struct arch_thread_state *st, const UserX86XsaveEntry *x)
{
	uint32_t end = XSAVE_HDR_OFF + XSAVE_HDR_SIZE;

	memcpy(st->xsave, &st->fpregs, FXSAVE_SIZE);
	memset(st->xsave + XSAVE_HDR_OFF, 0, XSAVE_HDR_SIZE);
	memcpy(st->xsave + XSAVE_HDR_OFF, &x->xstate_bv, sizeof(x->xstate_bv));
	for (size_t i = 0; i < sizeof(xcomps) / sizeof(xcomps[0]); i++) {
		const struct xcomp *c = &xcomps[i];
		unsigned int size, off = xcomp_off(c->idx, &size);
		size_t *n, bytes;
		void **src = field_ptr((UserX86XsaveEntry *)x, c->idx, &n);

		if (!off || !*n || off + size > ARCH_XSTATE_MAX)
			continue;
		bytes = *n * c->elem;
		if (bytes > size)
			bytes = size;
		memcpy(st->xsave + off, *src, bytes);
		if (off + size > end)
			end = off + size;
	}
	st->xsave_len = end;
}

int arch_core_read(const CoreEntry *core, struct arch_thread_state *st)
{
	const ThreadInfoX86 *ti = core->thread_info;
	const UserX86RegsEntry *g;
	struct user_regs_struct *r = &st->regs.r;

	if (core->mtype != CORE_ENTRY__MARCH__X86_64 || !ti || !ti->gpregs || !ti->fpregs)
		return -EINVAL;
	if (ti->gpregs->has_mode && ti->gpregs->mode != USER_X86_REGS_MODE__NATIVE)
		return -EOPNOTSUPP; /* 32-bit compat tasks are not supported */
	g = ti->gpregs;
	memset(st, 0, sizeof(*st));
	r->r15 = g->r15, r->r14 = g->r14, r->r13 = g->r13, r->r12 = g->r12;
	r->rbp = g->bp, r->rbx = g->bx, r->r11 = g->r11, r->r10 = g->r10;
	r->r9 = g->r9, r->r8 = g->r8, r->rax = g->ax, r->rcx = g->cx;
	r->rdx = g->dx, r->rsi = g->si, r->rdi = g->di, r->orig_rax = g->orig_ax;
	r->rip = g->ip, r->cs = g->cs, r->eflags = g->flags, r->rsp = g->sp;
	r->ss = g->ss, r->fs_base = g->fs_base, r->gs_base = g->gs_base;
	r->ds = g->ds, r->es = g->es, r->fs = g->fs, r->gs = g->gs;
	read_fpregs(&st->fpregs, ti->fpregs);
	if (ti->fpregs->xsave)
		read_xsave(st, ti->fpregs->xsave);
	return 0;
}
