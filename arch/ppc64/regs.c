/*
 * ppc64 (little-endian, 64-bit) registers through ptrace, the syscall restart
 * convention and syscall injection registers.
 *
 * Syscall ABI (Documentation/powerpc/syscall64-abi.rst): `sc` with the number
 * in r0 and arguments in r3-r8; the result comes back in r3, and an error is
 * flagged by CR0.SO (bit 0x10000000 of ccr) with r3 holding the positive
 * errno. The newer `scv 0` (POWER9+, trap 0x3000) returns -errno in r3 and
 * never uses SO; we inject with `sc` only, but must read both at a stop.
 */
#include <elf.h>
#include <errno.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include "arch.h"
#include "ptrace.h"

#ifndef NT_PPC_VMX
#define NT_PPC_VMX 0x100
#endif
#ifndef NT_PPC_VSX
#define NT_PPC_VSX 0x102
#endif

/* Kernel-internal restart codes (include/linux/errno.h). */
#define ERESTARTSYS 512
#define ERESTARTNOINTR 513
#define ERESTARTNOHAND 514
#define ERESTART_RESTARTBLOCK 516

#define CR0_SO 0x10000000UL
#define TRAP_SC 0xc00
#define TRAP_SCV 0x3000
#define TRAP_MASK (~0xfUL)

/* `sc` is 0x44000002; instructions are stored in the target's byte order. */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
static const uint8_t sc_insn[] = {0x02, 0x00, 0x00, 0x44};
#else
static const uint8_t sc_insn[] = {0x44, 0x00, 0x00, 0x02};
#endif

const char *arch_name(void)
{
	return "ppc64le";
}

int arch_core_march(void)
{
	return 4; /* CORE_ENTRY__MARCH__PPC64 */
}

long arch_nr_clone3(void)
{
	return SYS_clone3;
}

bool arch_mmap_args_in_memory(void)
{
	return false;
}

long arch_nr_restart_syscall(void)
{
	return SYS_restart_syscall;
}

int arch_get_regs(pid_t tid, struct arch_regs *r)
{
	memset(r, 0, sizeof(*r));
	return ptrace_get_regset(tid, NT_PRSTATUS, &r->r, sizeof(r->r), NULL);
}

int arch_set_regs(pid_t tid, const struct arch_regs *r)
{
	return ptrace_set_regset(tid, NT_PRSTATUS, &r->r, sizeof(r->r));
}

/* Restart code the stopped syscall left in r3, 0 if it left none. */
static long restart_code(const struct arch_regs *r)
{
	unsigned long trap = r->r.trap & TRAP_MASK;
	long v = (long)r->r.gpr[3];

	if (trap == TRAP_SC && (r->r.ccr & CR0_SO))
		return v;
	if (trap == TRAP_SCV && v < 0)
		return -v;
	return 0;
}

/*
 * As the kernel does for a restart without a handler (check_syscall_restart
 * in arch/powerpc/kernel/signal.c): back up over the 4-byte sc/scv, put the
 * first argument back into r3; for a restart block call restart_syscall
 * instead. Clearing SO keeps the kernel from restarting a second time when
 * the thread leaves its stop.
 */
void arch_regs_fixup_restart(struct arch_regs *r, bool for_image)
{
	switch (restart_code(r)) {
	case ERESTART_RESTARTBLOCK:
		/* r0 still holds the original number: keep it for an image. */
		if (!for_image)
			r->r.gpr[0] = SYS_restart_syscall;
		/* fall through */
	case ERESTARTSYS:
	case ERESTARTNOINTR:
	case ERESTARTNOHAND:
		r->r.gpr[3] = r->r.orig_gpr3;
		r->r.nip -= sizeof(sc_insn);
		r->r.ccr &= ~CR0_SO;
		r->r.result = 0;
		break;
	default:
		break;
	}
}

int arch_get_thread_state(pid_t tid, struct arch_thread_state *st)
{
	int ret;

	memset(st, 0, sizeof(*st));
	ret = arch_get_regs(tid, &st->regs);
	if (ret)
		return ret;
	arch_regs_fixup_restart(&st->regs, true);
	ret = ptrace_get_regset(tid, NT_PRFPREG, st->fpr, sizeof(st->fpr), NULL);
	if (ret)
		return ret;
	/* Altivec and VSX regsets answer ENODEV on CPUs without them. */
	ret = ptrace_get_regset(tid, NT_PPC_VMX, st->vmx, sizeof(st->vmx), NULL);
	if (ret && ret != -ENODEV && ret != -EINVAL)
		return ret;
	st->has_vmx = !ret;
	ret = ptrace_get_regset(tid, NT_PPC_VSX, st->vsx, sizeof(st->vsx), NULL);
	if (ret && ret != -ENODEV && ret != -EINVAL)
		return ret;
	st->has_vsx = !ret;
	return 0;
}

int arch_set_thread_state(pid_t tid, const struct arch_thread_state *st)
{
	int ret;

	/* FPRs are the high doublewords of vsr0-31: set them before the VSX half. */
	ret = ptrace_set_regset(tid, NT_PRFPREG, st->fpr, sizeof(st->fpr));
	if (!ret && st->has_vsx)
		ret = ptrace_set_regset(tid, NT_PPC_VSX, st->vsx, sizeof(st->vsx));
	if (!ret && st->has_vmx)
		ret = ptrace_set_regset(tid, NT_PPC_VMX, st->vmx, sizeof(st->vmx));
	if (!ret)
		ret = arch_set_regs(tid, &st->regs);
	return ret;
}

unsigned long arch_regs_ip(const struct arch_regs *r)
{
	return r->r.nip;
}

unsigned long arch_regs_sp(const struct arch_regs *r)
{
	return r->r.gpr[1];
}

/* The thread pointer is r13 in the 64-bit ELF ABI. */
unsigned long arch_regs_tls(const struct arch_regs *r)
{
	return r->r.gpr[13];
}

/* `b .` is 0x48000000 (I-form, offset 0), in the target's byte order. */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
static const uint8_t spin_insn[] = {0x00, 0x00, 0x00, 0x48};
#else
static const uint8_t spin_insn[] = {0x48, 0x00, 0x00, 0x00};
#endif

const uint8_t *arch_spin_insn(size_t *len)
{
	*len = sizeof(spin_insn);
	return spin_insn;
}

size_t arch_insn_align(void)
{
	return 4;
}

const uint8_t *arch_syscall_insn(size_t *len)
{
	*len = sizeof(sc_insn);
	return sc_insn;
}

void arch_regs_prep_syscall(struct arch_regs *r, unsigned long insn_addr, long nr,
			    const unsigned long args[6])
{
	r->r.nip = insn_addr;
	r->r.gpr[0] = (unsigned long)nr;
	for (int i = 0; i < 6; i++)
		r->r.gpr[3 + i] = args[i];
	r->r.orig_gpr3 = args[0];
	/* With SO clear the kernel sees no syscall to restart at the stop we
	 * resume from (whatever r3 now holds). */
	r->r.ccr &= ~CR0_SO;
}

long arch_regs_syscall_ret(const struct arch_regs *r)
{
	long v = (long)r->r.gpr[3];

	if ((r->r.trap & TRAP_MASK) == TRAP_SCV)
		return v;
	return (r->r.ccr & CR0_SO) ? -v : v;
}

void *arch_self_thread_pointer(void)
{
	void *tp;

	/* The 64-bit ELF ABI keeps the thread pointer in r13. */
	__asm__("mr %0, 13" : "=r"(tp));
	return tp;
}
