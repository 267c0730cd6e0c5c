/*
 * The arch contract. Every arch/<arch>/ implements all of it; a feature an
 * arch lacks is a function returning -EOPNOTSUPP. Common code includes only
 * this header and never tests the architecture itself.
 */
#ifndef CRL_ARCH_H
#define CRL_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "asm/arch-regs.h" /* struct arch_regs, struct arch_thread_state */

struct CoreEntry;

/* Name as printed by check and recorded in images ("x86_64", "ppc64le", "s390x"). */
const char *arch_name(void);
/* core_entry.mtype value for this arch (CoreEntry__March). */
int arch_core_march(void);

/* ---- registers of a ptrace-stopped thread ---- */
int arch_get_regs(pid_t tid, struct arch_regs *r);
int arch_set_regs(pid_t tid, const struct arch_regs *r);
/*
 * General registers plus FPU/vector state (x86: NT_PRSTATUS + NT_X86_XSTATE).
 * The registers returned are restart-fixed (arch_regs_fixup_restart), as a
 * checkpoint needs them.
 */
int arch_get_thread_state(pid_t tid, struct arch_thread_state *st);
int arch_set_thread_state(pid_t tid, const struct arch_thread_state *st);

/*
 * A thread stopped inside an interrupted syscall carries the kernel's restart
 * code in its return register. Rewrite the registers the way the kernel would
 * when it restarts the call without running a handler, so that resuming from
 * these registers re-executes the call.
 *
 * @for_image: the registers go into a checkpoint image. A call the kernel
 * would continue through restart_syscall (nanosleep, poll with a timeout...)
 * is then re-issued with its own number and arguments instead, because the
 * kernel's restart block does not exist in a restored process: it would
 * answer EINTR. A relative timeout starts over; the program never sees EINTR.
 * Live (injection, then resume in place): restart_syscall, which is exact.
 */
void arch_regs_fixup_restart(struct arch_regs *r, bool for_image);

unsigned long arch_regs_ip(const struct arch_regs *r);
unsigned long arch_regs_sp(const struct arch_regs *r);
/* TLS base of the thread (x86: fs_base). */
unsigned long arch_regs_tls(const struct arch_regs *r);

/* ---- syscall injection ---- */
/* The machine code of one syscall instruction. */
const uint8_t *arch_syscall_insn(size_t *len);
/*
 * A branch to itself (x86 `jmp .`, ppc64 `b .`, s390x `j .`). Placed right
 * after an injected syscall instruction, it holds a thread that runs on its
 * own after its tracer died, instead of executing whatever follows.
 */
const uint8_t *arch_spin_insn(size_t *len);
/* Alignment every instruction starts at (x86 1, s390 2, ppc64 4). */
size_t arch_insn_align(void);
/* Points @r at the syscall instruction at @insn_addr with number and arguments. */
void arch_regs_prep_syscall(struct arch_regs *r, unsigned long insn_addr, long nr,
			    const unsigned long args[6]);
long arch_regs_syscall_ret(const struct arch_regs *r);
/* Number of the clone3 and restart_syscall syscalls (they differ per arch). */
long arch_nr_clone3(void);
long arch_nr_restart_syscall(void);
/*
 * true where mmap takes one pointer to its six arguments in memory instead
 * of six registers (s390x: nr 90 is old_mmap).
 */
bool arch_mmap_args_in_memory(void);

/* ---- core images ---- */
/* Fills the arch part of @core (thread_info for x86) from @st; allocates with malloc. */
int arch_core_fill(struct CoreEntry *core, const struct arch_thread_state *st);
void arch_core_free(struct CoreEntry *core);
/* Reads the arch part of @core back; -EINVAL if it is another arch's core. */
int arch_core_read(const struct CoreEntry *core, struct arch_thread_state *st);

/*
 * This process's own thread pointer, the base glibc's __rseq_offset is
 * relative to (x86_64: fs base; ppc64: r13; s390x: access registers 0/1).
 */
void *arch_self_thread_pointer(void);

/* ---- memory ---- */
/* Largest transparent huge page size a write can dirty as a unit (0 if none). */
unsigned long arch_thp_size(void);

/* ---- dirty-tracking knowledge (facts only: run-time validation decides) ---- */
enum arch_tracker {
	ARCH_TRACKER_SOFT_DIRTY, /* PTE soft-dirty bit, /proc/PID/clear_refs + pagemap bit 55 */
	ARCH_TRACKER_UFFD_WP,	 /* userfaultfd async write-protect + PAGEMAP_SCAN */
	ARCH_TRACKER_NR,
};

struct arch_tracker_fact {
	const char *name;	  /* "soft-dirty", "uffd-wp" */
	bool implemented;	  /* the arch's kernel code has it at all */
	unsigned int since_major; /* first mainline kernel with it on this arch */
	unsigned int since_minor;
	const char *mechanism;	    /* how the arch records a write */
	const char *caveats;	    /* what it can miss or where it is unreliable */
	const char *unreliable_mmu; /* MMU kind (see mmu_probe) where it is unreliable, or NULL */
	const char *source;	    /* where the facts come from */
};

struct arch_tracking_info {
	const char *arch;
	struct arch_tracker_fact trackers[ARCH_TRACKER_NR];
	/*
	 * MMU kind from /proc/cpuinfo text ("hash", "radix"), NULL if the text
	 * does not say; NULL hook where the arch has a single MMU kind.
	 */
	const char *(*mmu_parse)(const char *cpuinfo);
	/* Same from the running system's /proc/cpuinfo; NULL hook likewise. */
	const char *(*mmu_probe)(void);
};

/* The arch's table of trackers; never NULL. */
const struct arch_tracking_info *arch_tracking_info(void);

#endif
