/*
 * The arch layer without a live thread: a synthetic thread state goes through
 * the core image (fill, protobuf pack, unpack, read) and comes back equal;
 * cores of the other architectures are refused; the syscall restart fix-up,
 * syscall result and injection registers follow the arch's convention. Runs
 * on every arch (natively or under qemu-user: no ptrace needed).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

#include "arch.h"
#include "asm/arch-test.h"
#include "tap.h"

#include "core.pb-c.h"

#define ERESTARTSYS 512
#define ERESTARTNOINTR 513
#define ERESTARTNOHAND 514
#define ERESTART_RESTARTBLOCK 516

static uint64_t gpr_buf[32];
static uint32_t acr_buf[16];

/* Packs @core and unpacks it again, as writing and reading an image does. */
static CoreEntry *repack(const CoreEntry *core, size_t *len)
{
	size_t n = core_entry__get_packed_size(core);
	uint8_t *buf = malloc(n);
	CoreEntry *out;

	if (!buf)
		return NULL;
	core_entry__pack(core, buf);
	out = core_entry__unpack(NULL, n, buf);
	free(buf);
	*len = n;
	return out;
}

static void test_round_trip(unsigned int seed)
{
	static struct arch_thread_state a, b;
	CoreEntry core = CORE_ENTRY__INIT;
	CoreEntry *back;
	const char *diff;
	size_t len = 0;
	int ret;

	arch_test_synth_state(&a, seed);
	ret = arch_core_fill(&core, &a);
	ok(ret == 0, "seed %u: arch_core_fill: %d", seed, ret);
	ok((int)core.mtype == arch_core_march(), "seed %u: mtype %d is this arch's (%d)", seed,
	   (int)core.mtype, arch_core_march());
	back = repack(&core, &len);
	ok(back != NULL, "seed %u: packed core (%zu bytes) unpacks", seed, len);
	arch_core_free(&core);
	if (!back)
		return;
	memset(&b, 0xa5, sizeof(b));
	ret = arch_core_read(back, &b);
	ok(ret == 0, "seed %u: arch_core_read: %d", seed, ret);
	diff = arch_test_state_diff(&a, &b);
	ok(diff == NULL, "seed %u: state survives the image (%s)", seed, diff ? diff : "all equal");
	ok(arch_regs_ip(&a.regs) == arch_regs_ip(&b.regs) &&
		   arch_regs_sp(&a.regs) == arch_regs_sp(&b.regs) &&
		   arch_regs_tls(&a.regs) == arch_regs_tls(&b.regs),
	   "seed %u: ip %#lx, sp %#lx, tls %#lx survive", seed, arch_regs_ip(&b.regs),
	   arch_regs_sp(&b.regs), arch_regs_tls(&b.regs));
	core_entry__free_unpacked(back, NULL);
}

/* Minimal but complete thread_info of each arch, as another arch would write it. */
static void foreign_core(CoreEntry *core, int march)
{
	static ThreadInfoX86 tx;
	static UserX86RegsEntry xr;
	static UserX86FpregsEntry xf;
	static ThreadInfoPpc64 tp;
	static UserPpc64RegsEntry pr;
	static ThreadInfoS390 ts;
	static UserS390RegsEntry sr;
	static UserS390FpregsEntry sf;

	core_entry__init(core);
	core->mtype = march;
	switch (march) {
	case CORE_ENTRY__MARCH__X86_64:
		thread_info_x86__init(&tx);
		user_x86_regs_entry__init(&xr);
		user_x86_fpregs_entry__init(&xf);
		tx.gpregs = &xr;
		tx.fpregs = &xf;
		core->thread_info = &tx;
		break;
	case CORE_ENTRY__MARCH__PPC64:
		thread_info_ppc64__init(&tp);
		user_ppc64_regs_entry__init(&pr);
		pr.n_gpr = 32;
		pr.gpr = gpr_buf;
		tp.gpregs = &pr;
		core->ti_ppc64 = &tp;
		break;
	case CORE_ENTRY__MARCH__S390:
		thread_info_s390__init(&ts);
		user_s390_regs_entry__init(&sr);
		user_s390_fpregs_entry__init(&sf);
		sr.n_gprs = 16;
		sr.gprs = gpr_buf;
		sr.n_acrs = 16;
		sr.acrs = acr_buf;
		sf.n_fprs = 16;
		sf.fprs = gpr_buf;
		ts.gpregs = &sr;
		ts.fpregs = &sf;
		core->ti_s390 = &ts;
		break;
	}
}

static void test_foreign(void)
{
	static const int marches[] = {CORE_ENTRY__MARCH__X86_64, CORE_ENTRY__MARCH__PPC64,
				      CORE_ENTRY__MARCH__S390};
	static struct arch_thread_state st;
	CoreEntry core, *back;
	size_t len;

	for (size_t i = 0; i < sizeof(marches) / sizeof(marches[0]); i++) {
		if (marches[i] == arch_core_march())
			continue;
		foreign_core(&core, marches[i]);
		back = repack(&core, &len);
		ok(back && arch_core_read(back, &st) == -EINVAL,
		   "%s refuses a core of march %d with -EINVAL", arch_name(), marches[i]);
		if (back)
			core_entry__free_unpacked(back, NULL);
	}
	/* Our own march number but no thread_info of ours. */
	core_entry__init(&core);
	core.mtype = arch_core_march();
	ok(arch_core_read(&core, &st) == -EINVAL,
	   "a core of this march without thread info: -EINVAL");
	/* Our thread_info under another march number. */
	arch_test_synth_state(&st, 7);
	core_entry__init(&core);
	if (arch_core_fill(&core, &st) == 0) {
		core.mtype = core.mtype == CORE_ENTRY__MARCH__S390 ? CORE_ENTRY__MARCH__PPC64
								   : CORE_ENTRY__MARCH__S390;
		ok(arch_core_read(&core, &st) == -EINVAL,
		   "this arch's registers under march %d: -EINVAL", (int)core.mtype);
	} else {
		ok(0, "arch_core_fill for the relabelled core");
	}
	arch_core_free(&core);
}

static void test_syscall_regs(void)
{
	const unsigned long ip = 0x7ff012340100UL, arg0 = 0x5eed;
	static const long restarts[] = {-ERESTARTSYS, -ERESTARTNOINTR, -ERESTARTNOHAND};
	struct arch_regs r;
	size_t ilen;
	const uint8_t *insn = arch_syscall_insn(&ilen);
	unsigned long args[6] = {11, 22, 33, 44, 55, 66};

	ok(arch_test_insn_ok(insn, ilen), "%s syscall instruction is %zu bytes as expected",
	   arch_name(), ilen);

	arch_test_regs_syscall_exit(&r, SYS_getpid, arg0, 4242, ip);
	ok(arch_regs_syscall_ret(&r) == 4242, "success result read: %ld",
	   arch_regs_syscall_ret(&r));
	arch_regs_fixup_restart(&r, false);
	ok(arch_regs_ip(&r) == ip, "completed syscall: ip untouched by the restart fix-up");

	arch_test_regs_syscall_exit(&r, SYS_close, arg0, -EBADF, ip);
	ok(arch_regs_syscall_ret(&r) == -EBADF, "error result read as -errno: %ld",
	   arch_regs_syscall_ret(&r));
	arch_regs_fixup_restart(&r, false);
	ok(arch_regs_ip(&r) == ip && arch_regs_syscall_ret(&r) == -EBADF,
	   "failed syscall: registers untouched by the restart fix-up");

	for (size_t i = 0; i < sizeof(restarts) / sizeof(restarts[0]); i++) {
		arch_test_regs_syscall_exit(&r, SYS_read, arg0, restarts[i], ip);
		arch_regs_fixup_restart(&r, false);
		ok(arch_regs_ip(&r) == ip - ilen && arch_test_arg0(&r) == arg0,
		   "restart code %ld: ip backed up by %zu, first argument back", restarts[i], ilen);
		arch_regs_fixup_restart(&r, false);
		ok(arch_regs_ip(&r) == ip - ilen,
		   "restart code %ld: a second fix-up changes nothing", restarts[i]);
	}
	arch_test_regs_syscall_exit(&r, SYS_nanosleep, arg0, -ERESTART_RESTARTBLOCK, ip);
	arch_regs_fixup_restart(&r, false);
	ok(arch_regs_ip(&r) == ip - ilen,
	   "restart block: the syscall instruction runs again (restart_syscall where the "
	   "number is in a register, the original call on s390)");
	arch_test_regs_syscall_exit(&r, SYS_nanosleep, arg0, -ERESTART_RESTARTBLOCK, ip);
	arch_regs_fixup_restart(&r, true);
	ok(arch_regs_ip(&r) == ip - ilen && arch_test_arg0(&r) == arg0,
	   "restart block for an image: the original call is issued again with its arguments");

	arch_test_regs_no_syscall(&r, -ERESTARTSYS, ip);
	arch_regs_fixup_restart(&r, false);
	ok(arch_regs_ip(&r) == ip, "not in a syscall: a restart-looking value is left alone");

	arch_test_regs_syscall_exit(&r, SYS_read, arg0, -ERESTARTSYS, ip);
	arch_regs_prep_syscall(&r, 0x1000, SYS_getppid, args);
	ok(arch_regs_ip(&r) == 0x1000 && arch_test_arg0(&r) == 11,
	   "prep_syscall: ip at the instruction, first argument in place");
	arch_regs_fixup_restart(&r, false);
	ok(arch_regs_ip(&r) == 0x1000, "prepared registers are not taken for a syscall to restart");

	ok(arch_nr_clone3() == SYS_clone3 && arch_nr_restart_syscall() == SYS_restart_syscall,
	   "clone3 = %ld, restart_syscall = %ld", arch_nr_clone3(), arch_nr_restart_syscall());
}

int main(void)
{
	test_round_trip(0);
	test_round_trip(3);
	test_foreign();
	test_syscall_regs();
	return tap_done();
}
