/*
 * Test helpers for the arch contract (test/unit only): a synthetic thread
 * state with distinctive values, field-wise comparison of what the core image
 * carries, and registers as the kernel leaves them at a syscall stop.
 */
#ifndef CRL_ASM_ARCH_TEST_H
#define CRL_ASM_ARCH_TEST_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "asm/arch-regs.h"

static inline uint64_t arch_test_val(unsigned int seed, unsigned int i)
{
	return 0x0123456789abcdefULL * (seed + 1) + 0x1000100010001ULL * (i + 1);
}

/* No XSAVE area: its layout comes from the CPU the test runs on. */
static inline void arch_test_synth_state(struct arch_thread_state *st, unsigned int seed)
{
	uint64_t *g = (uint64_t *)&st->regs.r;

	memset(st, 0, sizeof(*st));
	for (unsigned int i = 0; i < sizeof(st->regs.r) / 8; i++)
		g[i] = arch_test_val(seed, i);
	st->fpregs.cwd = 0x37f;
	st->fpregs.swd = 0x1234;
	st->fpregs.ftw = 0xab;
	st->fpregs.fop = 0x55;
	st->fpregs.rip = arch_test_val(seed, 100);
	st->fpregs.rdp = arch_test_val(seed, 101);
	st->fpregs.mxcsr = 0x1f80 | seed;
	st->fpregs.mxcr_mask = 0xffbf;
	for (unsigned int i = 0; i < 32; i++)
		st->fpregs.st_space[i] = (uint32_t)arch_test_val(seed, 200 + i);
	for (unsigned int i = 0; i < 64; i++)
		st->fpregs.xmm_space[i] = (uint32_t)arch_test_val(seed, 300 + i);
}

static inline const char *arch_test_state_diff(const struct arch_thread_state *a,
					       const struct arch_thread_state *b)
{
	const struct user_fpregs_struct *x = &a->fpregs, *y = &b->fpregs;

	if (memcmp(&a->regs, &b->regs, sizeof(a->regs)))
		return "general registers";
	if (x->cwd != y->cwd || x->swd != y->swd || x->ftw != y->ftw || x->fop != y->fop ||
	    x->rip != y->rip || x->rdp != y->rdp || x->mxcsr != y->mxcsr ||
	    x->mxcr_mask != y->mxcr_mask)
		return "x87/SSE control registers";
	if (memcmp(x->st_space, y->st_space, sizeof(x->st_space)))
		return "x87 registers";
	if (memcmp(x->xmm_space, y->xmm_space, sizeof(x->xmm_space)))
		return "xmm registers";
	if (a->xsave_len != b->xsave_len)
		return "xsave length";
	return NULL;
}

/* Registers at the exit stop of syscall @nr(@arg0, ...) that returned @kret. */
static inline void arch_test_regs_syscall_exit(struct arch_regs *r, long nr, unsigned long arg0,
					       long kret, unsigned long ip)
{
	memset(r, 0, sizeof(*r));
	r->r.orig_rax = (unsigned long)nr;
	r->r.rax = (unsigned long)kret;
	r->r.rdi = arg0;
	r->r.rip = ip;
}

/* Registers of a thread stopped outside any syscall, @v in the return register. */
static inline void arch_test_regs_no_syscall(struct arch_regs *r, long v, unsigned long ip)
{
	memset(r, 0, sizeof(*r));
	r->r.orig_rax = (unsigned long)-1;
	r->r.rax = (unsigned long)v;
	r->r.rip = ip;
}

static inline unsigned long arch_test_arg0(const struct arch_regs *r)
{
	return r->r.rdi;
}

/* The syscall instruction, spelled independently of regs.c. */
static inline bool arch_test_insn_ok(const uint8_t *p, size_t len)
{
	return len == 2 && p[0] == 0x0f && p[1] == 0x05;
}

/* Any syscall instruction a libc may have stopped in (at least 4 readable bytes). */
static inline bool arch_test_is_syscall_insn(const uint8_t *p)
{
	return p[0] == 0x0f && p[1] == 0x05;
}

#endif
