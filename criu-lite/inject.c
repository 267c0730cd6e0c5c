#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "inject.h"
#include "log.h"
#include "ptrace.h"

#define INJECT_TIMEOUT_MS 10000

/* Finds [vdso] in /proc/TID/maps. */
static int find_vdso(pid_t tid, unsigned long *start, unsigned long *end)
{
	char path[64], line[512];
	FILE *f;
	int ret = -ENOENT;

	snprintf(path, sizeof(path), "/proc/%d/maps", tid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		size_t l = strlen(line);

		if (l > 7 && !strcmp(line + l - 7, "[vdso]\n")) {
			if (sscanf(line, "%lx-%lx", start, end) == 2)
				ret = 0;
			break;
		}
	}
	fclose(f);
	return ret;
}

int inject_refind_insn(struct inject *in)
{
	unsigned long start, end;
	size_t ilen, len, align = arch_insn_align();
	const uint8_t *insn = arch_syscall_insn(&ilen);
	uint8_t *buf;
	int ret;

	ret = find_vdso(in->tid, &start, &end);
	if (ret) {
		pr_err("inject into %d: no [vdso] to borrow a syscall instruction from", in->tid);
		return ret;
	}
	len = end - start;
	buf = malloc(len);
	if (!buf)
		return -ENOMEM;
	ret = inject_read(in, start, buf, len);
	if (ret) {
		free(buf);
		return ret;
	}
	ret = -ENOENT;
	/*
	 * Any occurrence at an instruction boundary the CPU accepts works:
	 * executing from there decodes as the syscall instruction.
	 */
	for (size_t i = 0; i + ilen <= len; i += align) {
		if (!memcmp(buf + i, insn, ilen)) {
			in->insn = start + i;
			ret = 0;
			break;
		}
	}
	free(buf);
	if (ret)
		pr_err("inject into %d: no syscall instruction in [vdso]", in->tid);
	return ret;
}

int inject_begin(struct inject *in, pid_t tid)
{
	int ret;

	memset(in, 0, sizeof(*in));
	in->tid = tid;
	ret = arch_get_regs(tid, &in->saved);
	if (!ret)
		ret = ptrace_get_sigmask(tid, &in->saved_mask);
	if (ret) {
		pr_err("inject into %d: cannot read registers: %s", tid, strerror(-ret));
		return ret;
	}
	arch_regs_fixup_restart(&in->saved, false);
	ret = ptrace_set_sigmask(tid, ~0ULL);
	if (ret) {
		pr_err("inject into %d: cannot block signals: %s", tid, strerror(-ret));
		return ret;
	}
	ret = inject_refind_insn(in);
	if (ret)
		ptrace_set_sigmask(tid, in->saved_mask);
	return ret;
}

/* A fault while running an injected syscall: the task can make no progress. */
static bool is_fault_signal(int sig)
{
	return sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE || sig == SIGTRAP;
}

/* Resumes to the next syscall stop, passing over event and signal stops. */
static int step_to_syscall_stop(struct inject *in)
{
	int status, ret, sig;

	/* Bounded: a task that keeps stopping for something else is an error. */
	for (int i = 0; i < 64; i++) {
		if (ptrace(PTRACE_SYSCALL, in->tid, NULL, NULL))
			return -errno;
		ret = ptrace_wait_stop(in->tid, &status, INJECT_TIMEOUT_MS);
		if (ret)
			return ret;
		sig = WSTOPSIG(status);
		if (sig == (SIGTRAP | 0x80))
			return 0;
		if (status >> 16) {
			/* An event (clone of a thread we asked for): remember its message. */
			ptrace_event_msg(in->tid, &in->event_msg);
			continue;
		}
		if (is_fault_signal(sig)) {
			pr_err("inject into %d: the task faulted (signal %d) at the injected syscall",
			       in->tid, sig);
			return -EFAULT;
		}
		/* Only unblockable stops get here; hold them until the end. */
		if (sig > 0 && sig <= 64)
			in->held_sigs |= 1ULL << (sig - 1);
	}
	pr_err("inject into %d: no syscall stop after 64 other stops", in->tid);
	return -EIO;
}

int inject_syscall(struct inject *in, long nr, const unsigned long args[6], long *ret)
{
	struct arch_regs regs = in->saved;
	int err;

	arch_regs_prep_syscall(&regs, in->insn, nr, args);
	err = arch_set_regs(in->tid, &regs);
	if (!err)
		err = step_to_syscall_stop(in); /* entry */
	if (!err)
		err = step_to_syscall_stop(in); /* exit */
	if (!err)
		err = arch_get_regs(in->tid, &regs);
	if (err) {
		pr_err("inject syscall %ld into %d: %s", nr, in->tid, strerror(-err));
		return err;
	}
	*ret = arch_regs_syscall_ret(&regs);
	return 0;
}

long inject_call(struct inject *in, long nr, unsigned long a0, unsigned long a1,
		 unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5)
{
	const unsigned long args[6] = { a0, a1, a2, a3, a4, a5 };
	long ret;
	int err = inject_syscall(in, nr, args, &ret);

	return err ? err : ret;
}

/*
 * mmap in the target. Where the arch takes mmap's arguments in memory they
 * go at the end of scratch memory or, before there is any, below the stack
 * pointer of the stopped thread (dead space; a restore unmaps the stack
 * later, so scratch first); the old contents are put back afterwards.
 */
long inject_mmap(struct inject *in, unsigned long addr, unsigned long len, unsigned long prot,
		 unsigned long flags, unsigned long fd, unsigned long off)
{
	unsigned long a[6] = { addr, len, prot, flags, fd, off }, old[6], where;
	long ret;
	int err;

	if (!arch_mmap_args_in_memory())
		return inject_call(in, SYS_mmap, addr, len, prot, flags, fd, off);
	where = in->scratch ? in->scratch + in->scratch_len - sizeof(a) :
			      (arch_regs_sp(&in->saved) - 1024) & ~15UL;
	err = inject_read(in, where, old, sizeof(old));
	if (!err)
		err = inject_write(in, where, a, sizeof(a));
	if (err)
		return err;
	ret = inject_call(in, SYS_mmap, where, 0, 0, 0, 0, 0);
	err = inject_write(in, where, old, sizeof(old));
	return err ? err : ret;
}

int inject_map_scratch(struct inject *in, unsigned long hint, size_t len)
{
	long addr;
	int flags = MAP_PRIVATE | MAP_ANONYMOUS | (hint ? MAP_FIXED_NOREPLACE : 0);

	addr = inject_mmap(in, hint, len, PROT_READ | PROT_WRITE, (unsigned long)flags,
			   (unsigned long)-1, 0);
	if (addr < 0 && addr > -4096) {
		pr_err("inject into %d: scratch mmap of %zu bytes: %s", in->tid, len,
		       strerror((int)-addr));
		return (int)addr;
	}
	in->scratch = (unsigned long)addr;
	in->scratch_len = len;
	return 0;
}

static int mem_rw(struct inject *in, unsigned long addr, void *buf, size_t len, bool write)
{
	struct iovec local = { buf, len }, remote = { (void *)addr, len };
	ssize_t n;

	n = write ? process_vm_writev(in->tid, &local, 1, &remote, 1, 0)
		  : process_vm_readv(in->tid, &local, 1, &remote, 1, 0);
	if (n == (ssize_t)len)
		return 0;
	/* /proc/PID/mem also reaches pages the process cannot access itself. */
	{
		char path[64];
		int fd;

		snprintf(path, sizeof(path), "/proc/%d/mem", in->tid);
		fd = open(path, (write ? O_WRONLY : O_RDONLY) | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		n = write ? pwrite(fd, buf, len, (off_t)addr) : pread(fd, buf, len, (off_t)addr);
		close(fd);
	}
	return n == (ssize_t)len ? 0 : -EIO;
}

int inject_write(struct inject *in, unsigned long addr, const void *buf, size_t len)
{
	return mem_rw(in, addr, (void *)buf, len, true);
}

int inject_read(struct inject *in, unsigned long addr, void *buf, size_t len)
{
	return mem_rw(in, addr, buf, len, false);
}

int inject_end(struct inject *in)
{
	int ret = 0, err;

	if (in->scratch) {
		long r = inject_call(in, SYS_munmap, in->scratch, in->scratch_len, 0, 0, 0, 0);

		if (r) {
			pr_err("inject into %d: cannot unmap scratch at 0x%lx: %ld", in->tid,
			       in->scratch, r);
			ret = r < 0 ? (int)r : -EIO;
		}
		in->scratch = 0;
	}
	err = arch_set_regs(in->tid, &in->saved);
	if (!err)
		err = ptrace_set_sigmask(in->tid, in->saved_mask);
	if (err) {
		pr_err("inject into %d: cannot restore registers: %s", in->tid, strerror(-err));
		ret = err;
	}
	for (int sig = 1; sig <= 64; sig++)
		if (in->held_sigs & (1ULL << (sig - 1)))
			syscall(SYS_tkill, in->tid, sig);
	in->held_sigs = 0;
	return ret;
}
