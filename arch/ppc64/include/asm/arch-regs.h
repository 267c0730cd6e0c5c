#ifndef CRL_ASM_ARCH_REGS_H
#define CRL_ASM_ARCH_REGS_H

#include <stdbool.h>
#include <stdint.h>

/*
 * The NT_PRSTATUS regset of a 64-bit powerpc task: the kernel's struct
 * pt_regs as user space sees it (arch/powerpc/include/uapi/asm/ptrace.h),
 * padded to ELF_NGREG (48) doublewords.
 */
struct ppc64_gregs {
	uint64_t gpr[32];
	uint64_t nip;
	uint64_t msr;
	uint64_t orig_gpr3; /* r3 at syscall entry, for restart */
	uint64_t ctr;
	uint64_t link;
	uint64_t xer;
	uint64_t ccr;
	uint64_t softe;
	uint64_t trap; /* interrupt vector: 0xc00 sc, 0x3000 scv */
	uint64_t dar;
	uint64_t dsisr;
	uint64_t result;
	uint64_t pad[4];
};

struct arch_regs {
	struct ppc64_gregs r;
};

#define PPC64_NFPREG 33 /* fpr0-31 + fpscr (NT_PRFPREG) */
#define PPC64_NVRQW 34	/* vr0-31, vscr, vrsave: quadwords of NT_PPC_VMX */
#define PPC64_NVSX 32	/* low doublewords of vsr0-31 (NT_PPC_VSX) */

struct arch_thread_state {
	struct arch_regs regs;
	uint64_t fpr[PPC64_NFPREG];
	bool has_vmx; /* Altivec regset present */
	bool has_vsx; /* VSX regset present */
	/* Raw NT_PPC_VMX bytes: 32 VRs, VSCR's quadword, VRSAVE's quadword. */
	uint64_t vmx[PPC64_NVRQW * 2] __attribute__((aligned(16)));
	uint64_t vsx[PPC64_NVSX];
};

#endif
