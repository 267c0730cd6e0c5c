/*
 * FPU state stays in the registers across checkpoint/restore: x87 top of
 * stack, FPU control word, MXCSR and xmm0-15 (fpu_sse), or all of ymm0-15
 * (fpu_avx, built with ZDTM_AVX). The wait itself is a futex loop written in
 * assembly, so no compiled code can touch the registers between load and store.
 */
#include <cpuid.h>
#include <signal.h>
#include <string.h>

#include "zdtmtst.h"

#ifdef ZDTM_AVX
#define VLEN 32
#define LOAD(n) "vmovdqu " #n "*32(%[in]), %%ymm" #n "\n\t"
#define STORE(n) "vmovdqu %%ymm" #n ", " #n "*32(%[out])\n\t"
#else
#define VLEN 16
#define LOAD(n) "movdqu " #n "*16(%[in]), %%xmm" #n "\n\t"
#define STORE(n) "movdqu %%xmm" #n ", " #n "*16(%[out])\n\t"
#endif
/* clang-format off */
#define ALL(M) M(0) M(1) M(2) M(3) M(4) M(5) M(6) M(7) M(8) M(9) M(10) M(11) M(12) \
	M(13) M(14) M(15)
/* clang-format on */

static volatile int stop;

static void on_term(int sig)
{
	stop = 1;
}

static void check_cpu(void)
{
#ifdef ZDTM_AVX
	unsigned int a = 0, b = 0, c = 0, d = 0, lo, hi;

	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_AVX) || !(c & bit_OSXSAVE))
		test_skip("CPU has no AVX (cpuid 1: ecx 0x%x)", c);
	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	if ((lo & 6) != 6)
		test_skip("OS does not enable AVX state (XCR0 0x%x)", lo);
#endif
}

int main(int argc, char **argv)
{
	static unsigned char in[16 * VLEN] __attribute__((aligned(64)));
	static unsigned char out[16 * VLEN] __attribute__((aligned(64)));
	long double ld = 3.14159265358979323846264338327950288L, ld_out = 0;
	unsigned short cw = 0x0f7f, cw_out = 0, cw_def = 0x037f;
	unsigned int mxcsr = 0x3f80, mx_out = 0, mx_def = 0x1f80;
	struct sigaction sa = {.sa_handler = on_term};
	int i;

	test_init(argc, argv);
	check_cpu();
	mem_fill(in, sizeof(in), 61);
	sigaction(SIGTERM, &sa, NULL);
	test_daemon();

	/* clang-format off */
	asm volatile("fldcw %[cw]\n\t"
		     "ldmxcsr %[mx]\n\t"
		     "fldt %[ld]\n\t"
		     ALL(LOAD)
		     "1: cmpl $0, %[stop]\n\t"
		     "jne 2f\n\t"
		     "mov $202, %%eax\n\t"	/* futex(&stop, FUTEX_WAIT, 0, NULL) */
		     "lea %[stop], %%rdi\n\t"
		     "xor %%esi, %%esi\n\t"
		     "xor %%edx, %%edx\n\t"
		     "xor %%r10d, %%r10d\n\t"
		     "syscall\n\t"
		     "jmp 1b\n"
		     "2:\n\t"
		     ALL(STORE)
		     "fstpt %[ld_out]\n\t"
		     "fnstcw %[cw_out]\n\t"
		     "stmxcsr %[mx_out]\n\t"
		     "fldcw %[cw_def]\n\t"
		     "ldmxcsr %[mx_def]\n\t"
		     : [ld_out] "=m"(ld_out), [cw_out] "=m"(cw_out), [mx_out] "=m"(mx_out),
		       [stop] "+m"(stop)
		     : [in] "r"(in), [out] "r"(out), [cw] "m"(cw), [mx] "m"(mxcsr), [ld] "m"(ld),
		       [cw_def] "m"(cw_def), [mx_def] "m"(mx_def)
		     : "rax", "rcx", "rdx", "rsi", "rdi", "r10", "r11", "memory", "cc",
		       "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8",
		       "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
	/* clang-format on */

	for (i = 0; i < 16; i++)
		if (memcmp(in + i * VLEN, out + i * VLEN, VLEN)) {
			int b = 0;

			while (in[i * VLEN + b] == out[i * VLEN + b])
				b++;
			fail("%smm%d byte %d is 0x%02x, expected 0x%02x", VLEN == 32 ? "y" : "x", i,
			     b, out[i * VLEN + b], in[i * VLEN + b]);
		}
	if (memcmp(&ld, &ld_out, 10))
		fail("x87 st(0) is %.20Lg, expected %.20Lg", ld_out, ld);
	if (cw_out != cw)
		fail("x87 control word is 0x%04x, expected 0x%04x", cw_out, cw);
	if (mx_out != mxcsr)
		fail("MXCSR is 0x%08x, expected 0x%08x", mx_out, mxcsr);
	return test_done();
}
