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

static inline void arch_test_synth_state(struct arch_thread_state *st, unsigned int seed)
{
	struct s390_gregs *r = &st->regs.r;

	memset(st, 0, sizeof(*st));
	r->psw_mask = 0x0705000180000000ULL;
	r->psw_addr = arch_test_val(seed, 1) & ~1ULL;
	for (unsigned int i = 0; i < 16; i++) {
		r->gprs[i] = arch_test_val(seed, 10 + i);
		r->acrs[i] = (uint32_t)arch_test_val(seed, 30 + i);
	}
	r->orig_gpr2 = arch_test_val(seed, 50);
	st->regs.system_call = (2u << 16) | 162;
	st->fp.fpc = 0x00080000 | seed;
	for (unsigned int i = 0; i < 16; i++)
		st->fp.fprs[i] = arch_test_val(seed, 100 + i);
	st->has_vx = true;
	for (unsigned int i = 0; i < 16; i++)
		st->vxrs_low[i] = arch_test_val(seed, 200 + i);
	for (unsigned int i = 0; i < 32; i++)
		st->vxrs_high[i] = arch_test_val(seed, 300 + i);
}

static inline const char *arch_test_state_diff(const struct arch_thread_state *a,
					       const struct arch_thread_state *b)
{
	if (memcmp(&a->regs.r, &b->regs.r, sizeof(a->regs.r)))
		return "psw/gprs/acrs/orig_gpr2";
	if (a->regs.system_call != b->regs.system_call)
		return "system_call";
	if (a->fp.fpc != b->fp.fpc || memcmp(a->fp.fprs, b->fp.fprs, sizeof(a->fp.fprs)))
		return "fpc/fprs";
	if (a->has_vx != b->has_vx || memcmp(a->vxrs_low, b->vxrs_low, sizeof(a->vxrs_low)) ||
	    memcmp(a->vxrs_high, b->vxrs_high, sizeof(a->vxrs_high)))
		return "vector registers";
	return NULL;
}

/* Exit stop of syscall @nr(@arg0, ...) entered by a 2-byte svc, result @kret. */
static inline void arch_test_regs_syscall_exit(struct arch_regs *r, long nr, unsigned long arg0,
					       long kret, unsigned long ip)
{
	memset(r, 0, sizeof(*r));
	r->system_call = (2u << 16) | (uint32_t)nr;
	r->r.gprs[2] = (unsigned long)kret;
	r->r.orig_gpr2 = arg0;
	r->r.psw_addr = ip;
}

static inline void arch_test_regs_no_syscall(struct arch_regs *r, long v, unsigned long ip)
{
	memset(r, 0, sizeof(*r));
	r->system_call = 0;
	r->r.gprs[2] = (unsigned long)v;
	r->r.psw_addr = ip;
}

static inline unsigned long arch_test_arg0(const struct arch_regs *r)
{
	return r->r.gprs[2];
}

/* `svc 0` (0x0a00): big-endian halfword, same bytes in memory order. */
static inline bool arch_test_insn_ok(const uint8_t *p, size_t len)
{
	return len == 2 && p[0] == 0x0a && p[1] == 0x00;
}

/* Any syscall instruction a libc may have stopped in: `svc N`, any N. */
static inline bool arch_test_is_syscall_insn(const uint8_t *p)
{
	return p[0] == 0x0a;
}

#endif
