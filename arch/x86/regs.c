/* x86_64 registers through ptrace, restart fix-up, syscall injection regs. */
#include <elf.h>
#include <errno.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>

#include "arch.h"
#include "ptrace.h"

#ifndef NT_X86_XSTATE
#define NT_X86_XSTATE 0x202
#endif

/* Kernel-internal restart codes a stopped syscall can return (include/linux/errno.h). */
#define ERESTARTSYS 512
#define ERESTARTNOINTR 513
#define ERESTARTNOHAND 514
#define ERESTART_RESTARTBLOCK 516

/* The syscall instruction: 0f 05. */
static const uint8_t syscall_insn[] = {0x0f, 0x05};

const char *arch_name(void)
{
	return "x86_64";
}

int arch_core_march(void)
{
	return 1; /* CORE_ENTRY__MARCH__X86_64 */
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

unsigned long arch_thp_size(void)
{
	return 2UL << 20;
}

int arch_get_regs(pid_t tid, struct arch_regs *r)
{
	return ptrace_get_regset(tid, NT_PRSTATUS, &r->r, sizeof(r->r), NULL);
}

int arch_set_regs(pid_t tid, const struct arch_regs *r)
{
	return ptrace_set_regset(tid, NT_PRSTATUS, &r->r, sizeof(r->r));
}

void arch_regs_fixup_restart(struct arch_regs *r, bool for_image)
{
	long ret = (long)r->r.rax;

	if ((long)r->r.orig_rax < 0)
		return;
	switch (ret) {
	case -ERESTARTSYS:
	case -ERESTARTNOINTR:
	case -ERESTARTNOHAND:
		r->r.rax = r->r.orig_rax;
		r->r.rip -= sizeof(syscall_insn);
		break;
	case -ERESTART_RESTARTBLOCK:
		r->r.rax = for_image ? r->r.orig_rax : SYS_restart_syscall;
		r->r.rip -= sizeof(syscall_insn);
		break;
	default:
		break;
	}
	/* Not inside a syscall any more, as far as the kernel's exit path cares. */
	r->r.orig_rax = (unsigned long)-1;
}

int arch_get_thread_state(pid_t tid, struct arch_thread_state *st)
{
	size_t got;
	int ret;

	ret = arch_get_regs(tid, &st->regs);
	if (ret)
		return ret;
	arch_regs_fixup_restart(&st->regs, true);
	if (ptrace(PTRACE_GETFPREGS, tid, NULL, &st->fpregs))
		return -errno;
	ret = ptrace_get_regset(tid, NT_X86_XSTATE, st->xsave, sizeof(st->xsave), &got);
	if (ret) {
		if (ret != -ENODEV && ret != -EINVAL)
			return ret;
		st->xsave_len = 0; /* no XSAVE: the FXSAVE view is all there is */
		return 0;
	}
	st->xsave_len = (uint32_t)got;
	return 0;
}

/*
 * The kernel takes only a whole buffer of its own XSAVE size: read the
 * thread's current area to learn the size (and keep components the image
 * does not carry), then lay the saved bytes over it.
 */
static int set_xstate(pid_t tid, const struct arch_thread_state *st)
{
	static uint8_t cur[ARCH_XSTATE_MAX] __attribute__((aligned(64)));
	size_t got, n;
	int ret;

	ret = ptrace_get_regset(tid, NT_X86_XSTATE, cur, sizeof(cur), &got);
	if (ret)
		return ret;
	n = st->xsave_len < got ? st->xsave_len : got;
	memcpy(cur, st->xsave, n);
	return ptrace_set_regset(tid, NT_X86_XSTATE, cur, got);
}

int arch_set_thread_state(pid_t tid, const struct arch_thread_state *st)
{
	int ret;

	if (st->xsave_len) {
		ret = set_xstate(tid, st);
		if (ret)
			return ret;
	} else if (ptrace(PTRACE_SETFPREGS, tid, NULL, &st->fpregs)) {
		return -errno;
	}
	ret = arch_set_regs(tid, &st->regs);
	return ret;
}

unsigned long arch_regs_ip(const struct arch_regs *r)
{
	return r->r.rip;
}

unsigned long arch_regs_sp(const struct arch_regs *r)
{
	return r->r.rsp;
}

unsigned long arch_regs_tls(const struct arch_regs *r)
{
	return r->r.fs_base;
}

/* jmp rel8 -2: eb fe. */
static const uint8_t spin_insn[] = {0xeb, 0xfe};

const uint8_t *arch_spin_insn(size_t *len)
{
	*len = sizeof(spin_insn);
	return spin_insn;
}

size_t arch_insn_align(void)
{
	return 1;
}

const uint8_t *arch_syscall_insn(size_t *len)
{
	*len = sizeof(syscall_insn);
	return syscall_insn;
}

void arch_regs_prep_syscall(struct arch_regs *r, unsigned long insn_addr, long nr,
			    const unsigned long args[6])
{
	r->r.rip = insn_addr;
	r->r.rax = (unsigned long)nr;
	/* orig_rax -1: the kernel must not treat the stop we resume from as a
	 * syscall to restart. */
	r->r.orig_rax = (unsigned long)-1;
	r->r.rdi = args[0];
	r->r.rsi = args[1];
	r->r.rdx = args[2];
	r->r.r10 = args[3];
	r->r.r8 = args[4];
	r->r.r9 = args[5];
}

long arch_regs_syscall_ret(const struct arch_regs *r)
{
	return (long)r->r.rax;
}

void *arch_self_thread_pointer(void)
{
	return __builtin_thread_pointer();
}
