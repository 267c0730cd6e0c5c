/*
 * Syscall injection into a ptrace-stopped thread: the thread executes one
 * syscall of our choosing and stops again; its registers are restored at the
 * end. Without a journal the syscall instruction used is one found in the
 * target's [vdso]; with one (dump), our own, written into zero bytes of the
 * [vdso] and put back (see below). s390x's mmap arguments go below the stack
 * pointer and are put back too. Scratch memory for arguments (struct
 * sigaction, paths...) is mapped in the target and unmapped at the end.
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

/*
 * The injection journal: what a dying tracer would leave borrowed in a
 * target thread, written ahead of each change into memory shared with the
 * keeper (dump-guard.c), a process that outlives the tracer and puts it all
 * back. Only a dump sets one up (inject_journal_use); without it injection
 * works as before and nothing is written to the vDSO.
 *
 * With a journal, the syscall instruction injected is our own, followed by a
 * branch to itself, in a run of zero bytes at the end of the target's [vdso]
 * (never executed; written through /proc/PID/mem, which copies the page for
 * that process alone, and put back at the end). Between its syscalls the
 * thread is parked on that branch, and its signals are blocked only while it
 * is parked there. A thread whose tracer dies at any moment therefore either
 * still has its own registers and mask, or spins on the branch (after at
 * most the syscall it was given), where the keeper finds it.
 */
#define INJECT_JOURNAL_SLOTS 16
#define INJECT_PATCH_MAX 16
#define INJECT_STACK_PATCH_MAX 64

struct inject_journal_slot {
	int active; /* written last (release), cleared first */
	pid_t pid, tid;
	struct arch_regs saved; /* restart-fixed, as inject_end puts them back */
	uint64_t saved_mask;
	uint64_t held_sigs;
	unsigned long site; /* our syscall instruction; site + ilen: the branch */
	unsigned long site_len;
	uint8_t site_old[INJECT_PATCH_MAX];
	unsigned long scratch, scratch_len;
	int scratch_pending; /* the scratch mmap was (maybe) issued: its result is in the regs */
	unsigned long stack_patch; /* s390x mmap arguments below the stack pointer */
	unsigned long stack_patch_len;
	uint8_t stack_old[INJECT_STACK_PATCH_MAX];
};

struct inject_journal {
	struct inject_journal_slot slot[INJECT_JOURNAL_SLOTS];
};

/* Journals every later injection of this process into @j (NULL: stop). */
void inject_journal_use(struct inject_journal *j);
/*
 * Puts back what @s says a dead tracer left in thread s->tid (registers,
 * mask, scratch memory, the vDSO bytes, held stop signals), seizing it for
 * the time it takes. Logs; returns 0 or -errno (-ESRCH: the thread is gone).
 */
int inject_journal_repair(const struct inject_journal_slot *s);

struct inject {
	pid_t tid;
	pid_t tgid;		 /* its process, for messages */
	unsigned long insn;	 /* address of a syscall instruction in the target */
	struct arch_regs saved;	 /* registers at inject_begin, restart-fixed */
	uint64_t saved_mask;	 /* blocked signals at inject_begin */
	uint64_t held_sigs;	 /* unblockable stops swallowed meanwhile, re-sent at the end */
	unsigned long event_msg; /* PTRACE_GETEVENTMSG of the last event (clone: new tid) */
	unsigned long scratch;	 /* target address of scratch memory, 0 if none */
	size_t scratch_len;
	unsigned long spin;		  /* the branch to itself after insn, 0 without a journal */
	struct inject_journal_slot *slot; /* NULL without a journal */
	bool restoring;			  /* set by restore after inject_begin: words its errors */
	bool exited; /* the task exited under us: said once, then -ESRCH quietly */
};

/*
 * Starts injecting into @tid, which must be in a ptrace stop (seized with
 * ptrace_seize_stop). Saves its registers (restart-fixed) and its signal
 * mask, blocks every signal while syscalls run (pending ones stay queued,
 * untouched), and finds the syscall instruction. Read the thread's real
 * mask from in->saved_mask, not with ptrace, between begin and end.
 */
int inject_begin(struct inject *in, pid_t tid);
/* Convenience for up to six arguments; returns the syscall result, or the
 * injection error if the syscall could not run. */
long inject_call(struct inject *in, long nr, unsigned long a0, unsigned long a1, unsigned long a2,
		 unsigned long a3, unsigned long a4, unsigned long a5);
/*
 * mmap in the target, with the arch's argument convention (s390x passes the
 * six arguments in memory: they go into scratch memory, or below the stack
 * pointer before there is any, and the old bytes are put back).
 */
#define INJECT_SCRATCH_TAIL INJECT_STACK_PATCH_MAX /* the end of scratch memory it borrows */
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
