#ifndef CRL_ASM_ARCH_REGS_H
#define CRL_ASM_ARCH_REGS_H

#include <stdint.h>
#include <sys/user.h>

struct arch_regs {
	struct user_regs_struct r;
};

/* Large enough for the XSAVE area of current CPUs (AMX included). */
#define ARCH_XSTATE_MAX 16384

struct arch_thread_state {
	struct arch_regs regs;
	uint32_t xsave_len; /* bytes valid in xsave, 0 if no XSAVE */
	uint8_t xsave[ARCH_XSTATE_MAX] __attribute__((aligned(64)));
	struct user_fpregs_struct fpregs; /* legacy FXSAVE view, always filled */
};

#endif
