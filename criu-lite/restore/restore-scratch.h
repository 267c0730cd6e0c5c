/*
 * The restore's scratch memory: RST_SCRATCH_LEN bytes that restore-mm.c maps
 * in each new process (at an address free in both the tool's and the
 * recorded layout) and inject_end unmaps. Injected syscalls find their
 * arguments there. Every user has its own slot below, so no two steps
 * share bytes by accident, and every access goes through rst_scratch_at,
 * which refuses what does not fit the slot. The threads of a process use
 * their leader's area: they share its memory.
 */
#ifndef CRL_RESTORE_SCRATCH_H
#define CRL_RESTORE_SCRATCH_H

#include <stddef.h>

#include "inject.h"

#define RST_SCRATCH_LEN (64ul << 10)

/*
 * The layout, as a struct of byte arrays so that the compiler places the
 * slots one after the other: offsetof and sizeof give each slot's place.
 * Sizes are multiples of 64, so every slot is 64-byte aligned.
 */
struct rst_scratch_layout {
	char arg[4096];	     /* one call's argument: a path (PATH_MAX with its NUL), a sigaction,
				an itimerval, a sigevent + timer id + itimerspec, a comm, a flock */
	char mm_map[4096];   /* struct prctl_mm_map, then the saved auxv */
	char clone[256];     /* struct clone_args, then its set_tid array */
	char thread[256];    /* a thread's stack_t (sigaltstack), its name */
	char caps[256];	     /* capset's header and data */
	char siginfo[256];   /* one siginfo to queue */
	char groups[16384];  /* setgroups' list; a longer one gets a mapping of its own */
	char seccomp[32832]; /* struct sock_fprog, then the filter (32 KiB at most) */
};

/* inject_mmap may borrow the last INJECT_SCRATCH_TAIL bytes: no slot lies there. */
_Static_assert(sizeof(struct rst_scratch_layout) + INJECT_SCRATCH_TAIL <= RST_SCRATCH_LEN,
	       "the scratch slots do not fit RST_SCRATCH_LEN");

enum rst_scratch_slot {
	RST_SCR_ARG,
	RST_SCR_MM_MAP,
	RST_SCR_CLONE,
	RST_SCR_THREAD,
	RST_SCR_CAPS,
	RST_SCR_SIGINFO,
	RST_SCR_GROUPS,
	RST_SCR_SECCOMP,
	RST_SCR_NR
};

/* Where the area is in the target (addr 0: none mapped). */
struct rst_scratch {
	unsigned long addr;
	size_t len;
};

/* The area @in mapped (inject_map_scratch), for its thread and the other threads. */
struct rst_scratch rst_scratch_of(const struct inject *in);

/* A slot's name (for messages) and size in bytes. */
const char *rst_scratch_name(enum rst_scratch_slot s);
size_t rst_scratch_size(enum rst_scratch_slot s);

/*
 * The target address of @len bytes at @off in slot @s of @sc, in *@addr.
 * -E2BIG when they run past the slot's end, -EINVAL for an unknown slot or
 * an area shorter than the layout (none mapped). Logs its refusals, naming
 * the slot.
 */
int rst_scratch_at(const struct rst_scratch *sc, enum rst_scratch_slot s, size_t off, size_t len,
		   unsigned long *addr);
/*
 * Writes (put) or reads (get) @len bytes at @off in slot @s, through @in (any
 * thread of the process); *@addr, when not NULL, gets their target address.
 * Logs a refusal (rst_scratch_at); a failed copy (the target died) is the
 * caller's to report, with what it was writing.
 */
int rst_scratch_put(struct inject *in, const struct rst_scratch *sc, enum rst_scratch_slot s,
		    size_t off, const void *buf, size_t len, unsigned long *addr);
int rst_scratch_get(struct inject *in, const struct rst_scratch *sc, enum rst_scratch_slot s,
		    size_t off, void *buf, size_t len);

#endif
