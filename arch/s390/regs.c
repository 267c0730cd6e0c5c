/*
 * s390x registers through ptrace, the syscall restart convention and syscall
 * injection registers.
 *
 * Syscall ABI: `svc NR` for numbers below 256, or `svc 0` with the number in
 * r1 (any number); arguments in r2-r7, the result (or -errno) in r2. The
 * kernel keeps the first argument in orig_gpr2 for restarts. svc is a
 * 2-byte instruction (0x0a, imm8); s390x is big-endian.
 */
#include <elf.h>
#include <errno.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include "arch.h"
#include "ptrace.h"

#ifndef NT_S390_SYSTEM_CALL
#define NT_S390_SYSTEM_CALL 0x307
#endif
#ifndef NT_S390_VXRS_LOW
#define NT_S390_VXRS_LOW 0x309
#endif
#ifndef NT_S390_VXRS_HIGH
#define NT_S390_VXRS_HIGH 0x30a
#endif

/* Kernel-internal restart codes (include/linux/errno.h). */
#define ERESTARTSYS 512
#define ERESTARTNOINTR 513
#define ERESTARTNOHAND 514
#define ERESTART_RESTARTBLOCK 516

/* `svc 0`: the syscall number comes from r1. */
static const uint8_t svc0_insn[] = {0x0a, 0x00};

const char *arch_name(void)
{
	return "s390x";
}

int arch_core_march(void)
{
	return 5; /* CORE_ENTRY__MARCH__S390 */
}

long arch_nr_clone3(void)
{
	return SYS_clone3;
}

bool arch_mmap_args_in_memory(void)
{
	return true;
}

long arch_nr_restart_syscall(void)
{
	return SYS_restart_syscall;
}

int arch_get_regs(pid_t tid, struct arch_regs *r)
{
	int ret;

	memset(r, 0, sizeof(*r));
	ret = ptrace_get_regset(tid, NT_PRSTATUS, &r->r, sizeof(r->r), NULL);
	if (!ret)
		ret = ptrace_get_regset(tid, NT_S390_SYSTEM_CALL, &r->system_call,
					sizeof(r->system_call), NULL);
	return ret;
}

/*
 * The system_call word goes back too: the kernel reads it when the thread
 * leaves a signal stop to decide whether to restart a syscall itself.
 */
int arch_set_regs(pid_t tid, const struct arch_regs *r)
{
	int ret = ptrace_set_regset(tid, NT_PRSTATUS, &r->r, sizeof(r->r));

	if (!ret)
		ret = ptrace_set_regset(tid, NT_S390_SYSTEM_CALL, &r->system_call,
					sizeof(r->system_call));
	return ret;
}

/*
 * The kernel restarts a syscall without a handler by setting a flag that
 * re-enters it (do_signal in arch/s390/kernel/signal.c), which a tracer
 * cannot set. Instead back the PSW up over the svc (its length is the upper
 * half of the interruption code, 2 for svc) and put the first argument back,
 * so that resuming re-executes the instruction. restart_syscall cannot be
 * reached that way (glibc's `svc NR` carries the number in the instruction,
 * and r1 is left alone), so a restart-block call (nanosleep, poll with a
 * timeout...) is re-issued from the start with its original arguments: a
 * relative timeout starts over, but no spurious EINTR reaches the program.
 * system_call = 0 keeps the kernel from restarting a second time.
 */
void arch_regs_fixup_restart(struct arch_regs *r, bool for_image)
{
	unsigned long ilc = r->system_call >> 16;

	if (!r->system_call)
		return;
	switch ((long)r->r.gprs[2]) {
	case -ERESTARTSYS:
	case -ERESTARTNOINTR:
	case -ERESTARTNOHAND:
	case -ERESTART_RESTARTBLOCK:
		r->r.gprs[2] = r->r.orig_gpr2;
		r->r.psw_addr -= ilc ? ilc : sizeof(svc0_insn);
		break;
	default:
		break;
	}
	r->system_call = 0;
}

int arch_get_thread_state(pid_t tid, struct arch_thread_state *st)
{
	int ret;

	memset(st, 0, sizeof(*st));
	ret = arch_get_regs(tid, &st->regs);
	if (ret)
		return ret;
	arch_regs_fixup_restart(&st->regs, true);
	ret = ptrace_get_regset(tid, NT_PRFPREG, &st->fp, sizeof(st->fp), NULL);
	if (ret)
		return ret;
	/* Without the vector facility the vxrs regsets answer ENODEV. */
	ret = ptrace_get_regset(tid, NT_S390_VXRS_LOW, st->vxrs_low, sizeof(st->vxrs_low), NULL);
	if (!ret)
		ret = ptrace_get_regset(tid, NT_S390_VXRS_HIGH, st->vxrs_high,
					sizeof(st->vxrs_high), NULL);
	if (ret && ret != -ENODEV && ret != -EINVAL)
		return ret;
	st->has_vx = !ret;
	return 0;
}

int arch_set_thread_state(pid_t tid, const struct arch_thread_state *st)
{
	int ret;

	/* The FPRs are the left halves of v0-v15: set them first. */
	ret = ptrace_set_regset(tid, NT_PRFPREG, &st->fp, sizeof(st->fp));
	if (!ret && st->has_vx)
		ret = ptrace_set_regset(tid, NT_S390_VXRS_LOW, st->vxrs_low, sizeof(st->vxrs_low));
	if (!ret && st->has_vx)
		ret = ptrace_set_regset(tid, NT_S390_VXRS_HIGH, st->vxrs_high,
					sizeof(st->vxrs_high));
	if (!ret)
		ret = arch_set_regs(tid, &st->regs);
	return ret;
}

unsigned long arch_regs_ip(const struct arch_regs *r)
{
	return r->r.psw_addr;
}

unsigned long arch_regs_sp(const struct arch_regs *r)
{
	return r->r.gprs[15];
}

/* The thread pointer is split over access registers 0 (high) and 1 (low). */
unsigned long arch_regs_tls(const struct arch_regs *r)
{
	return ((unsigned long)r->r.acrs[0] << 32) | r->r.acrs[1];
}

/* `j .`: brc 15 with a relative offset of 0 halfwords (a7 f4 00 00). */
static const uint8_t spin_insn[] = {0xa7, 0xf4, 0x00, 0x00};

const uint8_t *arch_spin_insn(size_t *len)
{
	*len = sizeof(spin_insn);
	return spin_insn;
}

size_t arch_insn_align(void)
{
	return 2;
}

const uint8_t *arch_syscall_insn(size_t *len)
{
	*len = sizeof(svc0_insn);
	return svc0_insn;
}

void arch_regs_prep_syscall(struct arch_regs *r, unsigned long insn_addr, long nr,
			    const unsigned long args[6])
{
	r->r.psw_addr = insn_addr;
	r->r.gprs[1] = (unsigned long)nr;
	for (int i = 0; i < 6; i++)
		r->r.gprs[2 + i] = args[i];
	r->r.orig_gpr2 = args[0];
	/* Not in a syscall: the kernel must not restart anything at the stop
	 * we resume from. */
	r->system_call = 0;
}

long arch_regs_syscall_ret(const struct arch_regs *r)
{
	return (long)r->r.gprs[2];
}

void *arch_self_thread_pointer(void)
{
	return __builtin_thread_pointer();
}
