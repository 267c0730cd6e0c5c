/*
 * Syscall injection into a ptrace-stopped thread: the thread executes one
 * syscall of our choosing and stops again; its registers are restored at the
 * end. The syscall instruction used is one found in the target's [vdso], so
 * no byte of the target's memory is written. Scratch memory for arguments
 * (struct sigaction, paths...) is mapped in the target and unmapped at the end.
 *
 * Used by dump (rt_sigaction, userfaultfd...) and by restore (which builds
 * the whole address space of a new process this way).
 */
#ifndef CRL_INJECT_H
#define CRL_INJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "arch.h"

struct inject {
	pid_t tid;
	unsigned long insn;	/* address of a syscall instruction in the target */
	struct arch_regs saved;	/* registers at inject_begin, restart-fixed */
	uint64_t saved_mask;	/* blocked signals at inject_begin */
	uint64_t held_sigs;	/* unblockable stops swallowed meanwhile, re-sent at the end */
	unsigned long event_msg; /* PTRACE_GETEVENTMSG of the last event (clone: new tid) */
	unsigned long scratch;	/* target address of scratch memory, 0 if none */
	size_t scratch_len;
};

/*
 * Starts injecting into @tid, which must be in a ptrace stop (seized with
 * ptrace_seize_stop). Saves its registers (restart-fixed) and its signal
 * mask, blocks every signal while syscalls run (pending ones stay queued,
 * untouched), and finds the syscall instruction. Read the thread's real
 * mask from in->saved_mask, not with ptrace, between begin and end.
 */
int inject_begin(struct inject *in, pid_t tid);
/*
 * Runs syscall @nr with @args in the target. Returns 0 when the syscall ran
 * (its result, possibly a negative errno, is in *ret) or -errno when the
 * injection itself failed (the target died, ptrace failed).
 */
int inject_syscall(struct inject *in, long nr, const unsigned long args[6], long *ret);
/* Convenience for up to six arguments; returns the syscall result, or the
 * injection error if the syscall could not run. */
long inject_call(struct inject *in, long nr, unsigned long a0, unsigned long a1,
		 unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5);
/*
 * mmap in the target, with the arch's argument convention (s390x passes the
 * six arguments in memory: they go into scratch memory, or below the stack
 * pointer before there is any, and the old bytes are put back).
 */
long inject_mmap(struct inject *in, unsigned long addr, unsigned long len, unsigned long prot,
		 unsigned long flags, unsigned long fd, unsigned long off);
/*
 * Maps @len bytes of read-write scratch memory in the target, at @hint with
 * MAP_FIXED_NOREPLACE when @hint is nonzero. inject_end unmaps it.
 */
int inject_map_scratch(struct inject *in, unsigned long hint, size_t len);
/* Copies to/from the target's memory (process_vm_writev/readv). */
int inject_write(struct inject *in, unsigned long addr, const void *buf, size_t len);
int inject_read(struct inject *in, unsigned long addr, void *buf, size_t len);
/* Re-finds the syscall instruction after the target's vDSO moved (restore). */
int inject_refind_insn(struct inject *in);
/* Unmaps scratch memory and restores the saved registers. */
int inject_end(struct inject *in);

#endif
