/*
 * The arch layer against a real kernel, on any arch: a child blocked in a
 * syscall is seized; the raw registers carry the arch's restart code, the
 * restart-fixed ones point back at a syscall instruction; a syscall is
 * injected; the thread state goes through the core image (pack + unpack) and
 * is written back; after detaching, the child's syscall completes as if
 * nothing happened. Two cases: read() on a pipe (-ERESTARTSYS) and
 * nanosleep (-ERESTART_RESTARTBLOCK).
 *
 * Skips (77) where ptrace is unavailable (qemu-user answers ENOSYS); meant to
 * run natively and inside the ppc64le/s390x guests.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "arch.h"
#include "asm/arch-test.h"
#include "core.pb-c.h"
#include "inject.h"
#include "log.h"
#include "ptrace.h"
#include "tap.h"

#define ERESTARTSYS 512
#define ERESTART_RESTARTBLOCK 516

enum child_kind { CHILD_READ, CHILD_SLEEP };

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Exit code 0: the blocked syscall finished with the right result. */
static int child_main(enum child_kind kind, int rfd)
{
	struct timespec req = {0, 700 * 1000 * 1000};
	double t0 = now();
	char c = 0;

	if (kind == CHILD_READ) {
		if (syscall(SYS_read, rfd, &c, 1) != 1)
			return 10 + errno % 100;
		return c == 'x' ? 0 : 3;
	}
	if (syscall(SYS_nanosleep, &req, NULL))
		return 10 + errno % 100; /* e.g. 14: EINTR leaked to the program */
	return now() - t0 >= 0.65 ? 0 : 4;
}

static bool insn_at(pid_t pid, unsigned long addr)
{
	uint8_t buf[4];
	struct iovec local = {buf, sizeof(buf)}, remote = {(void *)addr, sizeof(buf)};

	return process_vm_readv(pid, &local, 1, &remote, 1, 0) == sizeof(buf) &&
	       arch_test_is_syscall_insn(buf);
}

/* Thread state -> core image -> packed bytes -> core image -> thread state. */
static int through_image(const struct arch_thread_state *a, struct arch_thread_state *b)
{
	CoreEntry core = CORE_ENTRY__INIT, *back;
	size_t len;
	uint8_t *buf;
	int ret = arch_core_fill(&core, a);

	if (ret) {
		arch_core_free(&core);
		return ret;
	}
	len = core_entry__get_packed_size(&core);
	buf = malloc(len);
	if (!buf) {
		arch_core_free(&core);
		return -ENOMEM;
	}
	core_entry__pack(&core, buf);
	arch_core_free(&core);
	back = core_entry__unpack(NULL, len, buf);
	free(buf);
	if (!back)
		return -EIO;
	ret = arch_core_read(back, b);
	core_entry__free_unpacked(back, NULL);
	return ret;
}

static void check_stopped(const char *what, pid_t pid, long code)
{
	static struct arch_thread_state st, back;
	struct arch_regs raw;
	struct inject in;
	size_t ilen;

	arch_syscall_insn(&ilen);
	ok(arch_get_regs(pid, &raw) == 0, "%s: registers read", what);
	ok(arch_regs_syscall_ret(&raw) == -code, "%s: the return register holds %ld (got %ld)",
	   what, -code, arch_regs_syscall_ret(&raw));
	ok(arch_get_thread_state(pid, &st) == 0, "%s: thread state read", what);
	ok(arch_regs_ip(&st.regs) == arch_regs_ip(&raw) - ilen,
	   "%s: restart-fixed ip %#lx is %zu bytes before the stop's %#lx", what,
	   arch_regs_ip(&st.regs), ilen, arch_regs_ip(&raw));
	ok(insn_at(pid, arch_regs_ip(&st.regs)), "%s: a syscall instruction sits at the fixed ip",
	   what);
	ok(arch_regs_tls(&st.regs) != 0, "%s: TLS base %#lx", what, arch_regs_tls(&st.regs));

	ok(inject_begin(&in, pid) == 0, "%s: injection starts", what);
	ok(inject_call(&in, SYS_getpid, 0, 0, 0, 0, 0, 0) == pid, "%s: injected getpid = %d", what,
	   pid);
	ok(inject_call(&in, SYS_close, 12345, 0, 0, 0, 0, 0) == -EBADF,
	   "%s: injected close(bad fd) = -EBADF", what);
	ok(inject_end(&in) == 0, "%s: injection ends", what);

	ok(through_image(&st, &back) == 0, "%s: state goes through a packed core image", what);
	ok(arch_regs_ip(&back.regs) == arch_regs_ip(&st.regs) &&
		   arch_regs_sp(&back.regs) == arch_regs_sp(&st.regs) &&
		   arch_regs_tls(&back.regs) == arch_regs_tls(&st.regs),
	   "%s: ip, sp and TLS survive the image", what);
	ok(arch_set_thread_state(pid, &back) == 0, "%s: state from the image written back", what);
}

static void run_case(enum child_kind kind)
{
	const char *what = kind == CHILD_READ ? "read" : "nanosleep";
	long code = kind == CHILD_READ ? ERESTARTSYS : ERESTART_RESTARTBLOCK;
	int p[2], status = 0;
	pid_t pid;

	if (pipe(p))
		exit(1);
	pid = fork();
	if (pid == 0) {
		close(p[1]);
		_exit(child_main(kind, p[0]));
	}
	close(p[0]);
	usleep(150 * 1000); /* let it block */
	if (ptrace_seize_stop(pid, 0, 2000, NULL)) {
		ok(0, "%s: child seized", what);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return;
	}
	check_stopped(what, pid, code);
	ok(ptrace_detach(pid, 0) == 0, "%s: child detached", what);
	if (kind == CHILD_READ && write(p[1], "x", 1) != 1)
		ok(0, "write to the child's pipe");
	close(p[1]);
	ok(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	   "%s: the interrupted syscall completed normally in the child (status %#x)", what,
	   status);
}

int main(void)
{
	log_init(LOG_ERROR, NULL);
	/* qemu-user has no ptrace: nothing here can run. */
	if (ptrace(PTRACE_PEEKUSER, getpid(), NULL, NULL) == -1 && errno == ENOSYS) {
		printf("1..0 # SKIP ptrace: Function not implemented (qemu-user?)\n");
		return 77;
	}
	alarm(60);
	run_case(CHILD_READ);
	run_case(CHILD_SLEEP);
	return tap_done();
}
