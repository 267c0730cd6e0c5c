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

/* softe, dar, dsisr and result stay 0: the image does not carry them. */
static inline void arch_test_synth_state(struct arch_thread_state *st, unsigned int seed)
{
	struct ppc64_gregs *r = &st->regs.r;
	uint32_t vrsave = 0xfeedc0de ^ seed;

	memset(st, 0, sizeof(*st));
	for (unsigned int i = 0; i < 32; i++)
		r->gpr[i] = arch_test_val(seed, i);
	r->nip = arch_test_val(seed, 40) & ~3ULL;
	r->msr = 0x800000000280f033ULL;
	r->orig_gpr3 = arch_test_val(seed, 41);
	r->ctr = arch_test_val(seed, 42);
	r->link = arch_test_val(seed, 43);
	r->xer = 0x20000000;
	r->ccr = 0x42000088;
	r->trap = 0xc00;
	for (unsigned int i = 0; i < PPC64_NFPREG; i++)
		st->fpr[i] = arch_test_val(seed, 100 + i);
	st->has_vmx = true;
	for (unsigned int i = 0; i < 66; i++)
		st->vmx[i] = arch_test_val(seed, 200 + i);
	memcpy((uint8_t *)st->vmx + 33 * 16, &vrsave, sizeof(vrsave));
	st->has_vsx = true;
	for (unsigned int i = 0; i < PPC64_NVSX; i++)
		st->vsx[i] = arch_test_val(seed, 300 + i);
}

static inline const char *arch_test_state_diff(const struct arch_thread_state *a,
					       const struct arch_thread_state *b)
{
	if (memcmp(&a->regs, &b->regs, sizeof(a->regs)))
		return "general registers";
	if (memcmp(a->fpr, b->fpr, sizeof(a->fpr)))
		return "fpr/fpscr";
	if (a->has_vmx != b->has_vmx || memcmp(a->vmx, b->vmx, sizeof(a->vmx)))
		return "vmx (vr/vscr/vrsave)";
	if (a->has_vsx != b->has_vsx || memcmp(a->vsx, b->vsx, sizeof(a->vsx)))
		return "vsx";
	return NULL;
}

/* Exit stop of `sc` syscall @nr(@arg0, ...) that returned @kret: errors come
 * back as a positive r3 with CR0.SO set. */
static inline void arch_test_regs_syscall_exit(struct arch_regs *r, long nr, unsigned long arg0,
					       long kret, unsigned long ip)
{
	memset(r, 0, sizeof(*r));
	r->r.trap = 0xc00;
	r->r.gpr[0] = (unsigned long)nr;
	r->r.orig_gpr3 = arg0;
	if (kret < 0 && kret >= -4095) {
		r->r.gpr[3] = (unsigned long)-kret;
		r->r.ccr = 0x10000000;
	} else {
		r->r.gpr[3] = (unsigned long)kret;
	}
	r->r.nip = ip;
}

/* Stopped by the decrementer, not in a syscall; SO happens to be set. */
static inline void arch_test_regs_no_syscall(struct arch_regs *r, long v, unsigned long ip)
{
	memset(r, 0, sizeof(*r));
	r->r.trap = 0x900;
	r->r.gpr[3] = (unsigned long)(v < 0 ? -v : v);
	r->r.ccr = 0x10000000;
	r->r.nip = ip;
}

static inline unsigned long arch_test_arg0(const struct arch_regs *r)
{
	return r->r.gpr[3];
}

/* `sc` is the word 0x44000002 in the CPU's byte order. */
static inline bool arch_test_insn_ok(const uint8_t *p, size_t len)
{
	uint32_t w;

	if (len != 4)
		return false;
	memcpy(&w, p, 4);
	return w == 0x44000002;
}

/* Any syscall instruction a libc may have stopped in: `sc` or `scv 0` (POWER9+). */
static inline bool arch_test_is_syscall_insn(const uint8_t *p)
{
	uint32_t w;

	memcpy(&w, p, 4);
	return w == 0x44000002 || w == 0x44000001;
}

#endif
