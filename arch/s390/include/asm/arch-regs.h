#ifndef CRL_ASM_ARCH_REGS_H
#define CRL_ASM_ARCH_REGS_H

#include <stdbool.h>
#include <stdint.h>

/*
 * The NT_PRSTATUS regset of a 64-bit s390 task (s390_regs in
 * arch/s390/include/uapi/asm/ptrace.h): PSW, 16 GPRs, 16 access registers
 * and the first syscall argument as it was at entry.
 */
struct s390_gregs {
	uint64_t psw_mask;
	uint64_t psw_addr;
	uint64_t gprs[16];
	uint32_t acrs[16];
	uint64_t orig_gpr2;
};

struct arch_regs {
	struct s390_gregs r;
	/*
	 * NT_S390_SYSTEM_CALL: the interrupted syscall's interruption code
	 * (instruction length << 16 | syscall number), 0 if none.
	 */
	uint32_t system_call;
};

struct s390_fpregs {
	uint32_t fpc;
	uint32_t pad;
	uint64_t fprs[16];
};

struct arch_thread_state {
	struct arch_regs regs;
	struct s390_fpregs fp;
	bool has_vx;		/* vector facility: vxrs regsets present */
	uint64_t vxrs_low[16];	/* right halves of v0-v15 (left halves = fprs) */
	uint64_t vxrs_high[32]; /* v16-v31, two doublewords each */
};

#endif
