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
#include "proc-stat.h"
#include "procmap-query.h"
#include "ptrace.h"

#define INJECT_TIMEOUT_MS 10000

/* Where the last [vdso] was found: the threads of a process share it. */
static __thread struct {
	unsigned long start, end;
} vdso_last;

/*
 * Finds [vdso] of @tid: where it was for the last thread, when PROCMAP_QUERY
 * says the same [vdso] is still there, else in /proc/TID/maps. Reading maps
 * for every thread cost O(threads x VMAs): 1000 threads have 2000 stacks
 * and guards, ~3 ms per read here.
 */
static int find_vdso(pid_t tid, unsigned long *start, unsigned long *end)
{
	char path[64], line[512];
	struct procmap_vma v;
	FILE *f;
	int ret = -ENOENT;

	if (vdso_last.end && !procmap_query(tid, vdso_last.start, &v) &&
	    v.start == vdso_last.start && v.end == vdso_last.end && !strcmp(v.name, "[vdso]")) {
		*start = v.start;
		*end = v.end;
		return 0;
	}
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
	if (!ret) {
		vdso_last.start = *start;
		vdso_last.end = *end;
	}
	return ret;
}

/* Finds @insn in [start, end) of the task; 0 (in->insn set), -ENOENT or -errno. */
static int scan_insn(struct inject *in, unsigned long start, unsigned long end)
{
	size_t ilen, align = arch_insn_align();
	const uint8_t *insn = arch_syscall_insn(&ilen);
	const size_t chunk = 1 << 20;
	uint8_t *buf = malloc(chunk + 16);
	int ret = -ENOENT;

	if (!buf)
		return -ENOMEM;
	/*
	 * Any occurrence at an instruction boundary the CPU accepts works:
	 * executing from there decodes as the syscall instruction. Chunks
	 * overlap by the instruction's length.
	 */
	for (unsigned long a = start; a < end && ret == -ENOENT; a += chunk) {
		size_t len = end - a > chunk + ilen ? chunk + ilen : end - a;

		if (inject_read(in, a, buf, len)) {
			ret = -EIO;
			break;
		}
		for (size_t i = 0; i + ilen <= len; i += align) {
			if (!memcmp(buf + i, insn, ilen)) {
				in->insn = a + i;
				ret = 0;
				break;
			}
		}
	}
	free(buf);
	return ret;
}

/*
 * A process without a vDSO (it unmapped it): a syscall instruction in any
 * executable mapping (its libc, its program) serves as well.
 */
static int scan_exec_maps(struct inject *in)
{
	char path[64], line[512], perms[8];
	unsigned long s, e;
	int ret = -ENOENT;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", in->tid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (ret && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx %7s", &s, &e, perms) != 3 || perms[2] != 'x' ||
		    strstr(line, "[vsyscall]"))
			continue;
		ret = scan_insn(in, s, e) ? -ENOENT : 0;
	}
	fclose(f);
	return ret;
}

int inject_refind_insn(struct inject *in)
{
	unsigned long start, end;
	int ret;

	ret = find_vdso(in->tid, &start, &end);
	if (!ret) {
		ret = scan_insn(in, start, end);
		if (ret)
			pr_err("inject into %d: no syscall instruction in [vdso]", in->tid);
		return ret;
	}
	ret = scan_exec_maps(in);
	if (ret)
		pr_err("inject into %d: no [vdso] and no syscall instruction in any executable "
		       "mapping to borrow",
		       in->tid);
	return ret;
}

/* ---- the journal (see inject.h) ---- */

/* Process-wide: set once by the dump worker, which is single-threaded. */
static struct inject_journal *journal;

/* Stores that the keeper may read after we die: each one visible in order. */
#define JSET(field, v) __atomic_store_n(&(field), (v), __ATOMIC_RELEASE)

/*
 * Test hook: CRL_TEST_INJECT_KILL=N makes the journaling process SIGKILL
 * itself at its Nth journal step (every point where a tracer's death leaves
 * a different state behind), so that tests can reach each of them.
 */
static long kill_at_step, steps;

static void journal_step(void)
{
	if (kill_at_step && ++steps == kill_at_step)
		raise(SIGKILL);
}

void inject_journal_use(struct inject_journal *j)
{
	const char *k = getenv("CRL_TEST_INJECT_KILL");

	journal = j;
	kill_at_step = k ? strtol(k, NULL, 10) : 0;
}

static struct inject_journal_slot *slot_take(pid_t tid)
{
	for (int i = 0; journal && i < INJECT_JOURNAL_SLOTS; i++) {
		struct inject_journal_slot *s = &journal->slot[i];

		if (__atomic_load_n(&s->active, __ATOMIC_ACQUIRE))
			continue;
		memset((char *)s + sizeof(s->active), 0, sizeof(*s) - sizeof(s->active));
		s->tid = tid;
		return s;
	}
	return NULL;
}

static void slot_release(struct inject *in)
{
	if (in->slot)
		JSET(in->slot->active, 0);
	in->slot = NULL;
	in->spin = 0;
}

/*
 * The last @want zero bytes at a 16-byte boundary in [vdso] (its tail past
 * the code and data): bytes no thread executes or the vDSO reads.
 */
static int find_site(pid_t tid, unsigned long *site)
{
	unsigned long start, end;
	size_t len;
	uint8_t *buf;
	int ret = find_vdso(tid, &start, &end);

	if (ret)
		return ret;
	len = end - start;
	buf = malloc(len);
	if (!buf)
		return -ENOMEM;
	ret = -ENOSPC;
	{
		struct inject probe = {.tid = tid};

		if (inject_read(&probe, start, buf, len))
			len = 0;
	}
	for (size_t off = len >= INJECT_PATCH_MAX ? (len - INJECT_PATCH_MAX) & ~15UL : 0;
	     len >= INJECT_PATCH_MAX; off -= 16) {
		size_t z = 0;

		while (z < INJECT_PATCH_MAX && !buf[off + z])
			z++;
		if (z == INJECT_PATCH_MAX) {
			*site = start + off;
			ret = 0;
			break;
		}
		if (!off)
			break;
	}
	free(buf);
	return ret;
}

/* Our syscall instruction and the branch after it, at the site; journaled first. */
static int site_install(struct inject *in)
{
	struct inject_journal_slot *s = in->slot;
	size_t ilen, slen;
	const uint8_t *insn = arch_syscall_insn(&ilen), *spin = arch_spin_insn(&slen);
	uint8_t code[INJECT_PATCH_MAX] = {0};
	unsigned long site;
	int ret = find_site(in->tid, &site);

	if (ret)
		return ret;
	memcpy(code, insn, ilen);
	memcpy(code + ilen, spin, slen);
	/* The bytes there were zeros (find_site): that is what goes back. */
	memset(s->site_old, 0, sizeof(s->site_old));
	s->site = site;
	JSET(s->site_len, (unsigned long)INJECT_PATCH_MAX);
	ret = inject_write(in, site, code, sizeof(code));
	if (ret)
		return ret;
	in->insn = site;
	in->spin = site + ilen;
	return 0;
}

static int site_remove(struct inject *in)
{
	struct inject_journal_slot *s = in->slot;
	int ret;

	if (!s->site_len)
		return 0;
	ret = inject_write(in, s->site, s->site_old, s->site_len);
	if (!ret)
		JSET(s->site_len, 0UL);
	return ret;
}

/*
 * Journaled start: the slot, then the site, then the thread parked on the
 * branch, and only then its signals blocked (blocked implies parked).
 */
static int begin_journaled(struct inject *in)
{
	static const unsigned long none[6];
	struct arch_regs park = in->saved;
	int ret;

	in->slot = slot_take(in->tid);
	if (!in->slot)
		return -EBUSY;
	in->slot->saved = in->saved;
	in->slot->saved_mask = in->saved_mask;
	JSET(in->slot->active, 1);
	journal_step();
	ret = site_install(in);
	if (!ret) {
		journal_step();
		arch_regs_prep_syscall(&park, in->spin, 0, none);
		ret = arch_set_regs(in->tid, &park);
		journal_step();
	}
	if (ret) {
		site_remove(in);
		slot_release(in);
	}
	return ret;
}

int inject_begin(struct inject *in, pid_t tid)
{
	struct proc_status status;
	int ret;

	memset(in, 0, sizeof(*in));
	in->tid = tid;
	in->tgid = proc_read_status(tid, 0, &status) ? tid : status.tgid;
	ret = arch_get_regs(tid, &in->saved);
	if (!ret)
		ret = ptrace_get_sigmask(tid, &in->saved_mask);
	if (ret) {
		pr_err("inject into %d: cannot read registers: %s", tid, strerror(-ret));
		return ret;
	}
	arch_regs_fixup_restart(&in->saved, false);
	if (journal && begin_journaled(in))
		pr_warn("inject into %d: no room for a journaled injection in its [vdso]; "
			"a tool killed now would leave the thread broken",
			tid);
	ret = ptrace_set_sigmask(tid, ~0ULL);
	if (ret) {
		pr_err("inject into %d: cannot block signals: %s", tid, strerror(-ret));
		goto undo;
	}
	if (!in->slot)
		ret = inject_refind_insn(in);
	if (!ret && in->slot)
		journal_step();
	if (!ret)
		return 0;
	ptrace_set_sigmask(tid, in->saved_mask);
undo:
	if (in->slot) {
		arch_set_regs(tid, &in->saved);
		site_remove(in);
		slot_release(in);
	}
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
			pr_err("inject into %d: the task faulted (signal %d) at the injected "
			       "syscall",
			       in->tid, sig);
			return -EFAULT;
		}
		/* Only unblockable stops get here; hold them until the end. */
		if (sig > 0 && sig <= 64)
			in->held_sigs |= 1ULL << (sig - 1);
		if (in->slot)
			JSET(in->slot->held_sigs, in->held_sigs);
	}
	pr_err("inject into %d: no syscall stop after 64 other stops", in->tid);
	return -EIO;
}

/*
 * ptrace's ESRCH (or a stop that never came) for a task that exited is said
 * once, plainly, naming its process (Tgid while the thread is a zombie).
 */
static int inject_failed(struct inject *in, long nr, int err)
{
	struct proc_status status;
	struct proc_stat st;
	bool dead = false;

	/* ESRCH: no longer in its stop; a SIGKILLed task may take a moment to turn zombie. */
	for (int i = 0; i < 20 && (err == -ESRCH || err == -ETIMEDOUT) && !dead; i++) {
		int r = proc_read_stat(in->tid, 0, &st);

		dead = r == -ENOENT || r == -ESRCH || (!r && (st.state == 'Z' || st.state == 'X'));
		if (!dead && err == -ESRCH)
			usleep(5000);
		else
			break;
	}
	if (dead) {
		/* A thread gone from /proc: its process as seen at inject_begin. */
		if (!in->exited)
			pr_err("process %d exited during the %s",
			       proc_read_status(in->tid, 0, &status) ? in->tgid : status.tgid,
			       in->restoring ? "restore" : "dump");
		in->exited = true;
		return -ESRCH;
	}
	pr_err("inject syscall %ld into %d: %s", nr, in->tid, strerror(-err));
	return err;
}

/*
 * Runs syscall @nr with @args in the target. Returns 0 when the syscall ran
 * (its result, possibly a negative errno, is in *ret) or -errno when the
 * injection itself failed (the target died, ptrace failed).
 */
static int inject_syscall(struct inject *in, long nr, const unsigned long args[6], long *ret)
{
	struct arch_regs regs = in->saved;
	int err;

	arch_regs_prep_syscall(&regs, in->insn, nr, args);
	err = arch_set_regs(in->tid, &regs);
	if (!err && in->slot)
		journal_step();
	if (!err)
		err = step_to_syscall_stop(in); /* entry */
	if (!err && in->slot)
		journal_step();
	if (!err)
		err = step_to_syscall_stop(in); /* exit */
	if (!err && in->slot)
		journal_step();
	if (!err)
		err = arch_get_regs(in->tid, &regs);
	if (err)
		return inject_failed(in, nr, err);
	*ret = arch_regs_syscall_ret(&regs);
	return 0;
}

long inject_call(struct inject *in, long nr, unsigned long a0, unsigned long a1, unsigned long a2,
		 unsigned long a3, unsigned long a4, unsigned long a5)
{
	const unsigned long args[6] = {a0, a1, a2, a3, a4, a5};
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
	unsigned long a[6] = {addr, len, prot, flags, fd, off}, old[6], where;
	long ret;
	int err;

	_Static_assert(sizeof(a) <= INJECT_SCRATCH_TAIL,
		       "mmap's arguments exceed INJECT_SCRATCH_TAIL");

	if (!arch_mmap_args_in_memory())
		return inject_call(in, SYS_mmap, addr, len, prot, flags, fd, off);
	where = in->scratch ? in->scratch + in->scratch_len - sizeof(a)
			    : (arch_regs_sp(&in->saved) - 1024) & ~15UL;
	err = inject_read(in, where, old, sizeof(old));
	if (!err && in->slot) {
		memcpy(in->slot->stack_old, old, sizeof(old));
		in->slot->stack_patch = where;
		JSET(in->slot->stack_patch_len, (unsigned long)sizeof(old));
	}
	if (!err)
		err = inject_write(in, where, a, sizeof(a));
	if (err)
		return err;
	ret = inject_call(in, SYS_mmap, where, 0, 0, 0, 0, 0);
	err = inject_write(in, where, old, sizeof(old));
	if (!err && in->slot)
		JSET(in->slot->stack_patch_len, 0UL);
	return err ? err : ret;
}

int inject_map_scratch(struct inject *in, unsigned long hint, size_t len)
{
	long addr;
	int flags = MAP_PRIVATE | MAP_ANONYMOUS | (hint ? MAP_FIXED_NOREPLACE : 0);

	if (in->slot) {
		/* Issued: a tracer dying from here on leaves the address in the regs. */
		in->slot->scratch_len = len;
		JSET(in->slot->scratch_pending, 1);
	}
	addr = inject_mmap(in, hint, len, PROT_READ | PROT_WRITE, (unsigned long)flags,
			   (unsigned long)-1, 0);
	if (in->slot) {
		if (!(addr < 0 && addr > -4096))
			JSET(in->slot->scratch, (unsigned long)addr);
		JSET(in->slot->scratch_pending, 0);
	}
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
	struct iovec local = {buf, len}, remote = {(void *)addr, len};
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

	if (in->exited) {
		slot_release(in); /* the keeper has nothing to put back either */
		return -ESRCH;	  /* said once already; a dead task has nothing to put back */
	}
	if (in->scratch) {
		long r = inject_call(in, SYS_munmap, in->scratch, in->scratch_len, 0, 0, 0, 0);

		if (in->exited) { /* died during the munmap: said once by inject_failed */
			slot_release(in);
			return -ESRCH;
		}
		if (r) {
			pr_err("inject into %d: cannot unmap scratch at 0x%lx: %ld", in->tid,
			       in->scratch, r);
			ret = r < 0 ? (int)r : -EIO;
		}
		in->scratch = 0;
		if (in->slot && !r)
			JSET(in->slot->scratch, 0UL);
	}
	/* Journaled, the mask goes back while the thread is still parked. */
	err = ptrace_set_sigmask(in->tid, in->saved_mask);
	if (!err && in->slot)
		journal_step();
	if (!err)
		err = arch_set_regs(in->tid, &in->saved);
	if (!err && in->slot)
		journal_step();
	if (err) {
		pr_err("inject into %d: cannot restore registers: %s", in->tid, strerror(-err));
		ret = err;
	}
	for (int sig = 1; sig <= 64; sig++)
		if (in->held_sigs & (1ULL << (sig - 1)))
			syscall(SYS_tkill, in->tid, sig);
	in->held_sigs = 0;
	if (in->slot) {
		JSET(in->slot->held_sigs, 0ULL);
		err = err ?: site_remove(in);
		journal_step();
		if (err)
			ret = ret ?: err;
		/* Not put back (the thread died, say): the keeper tries again. */
		if (!err)
			slot_release(in);
		in->slot = NULL;
	}
	return ret;
}

/* ---- repair after the tracer died (the keeper, dump-guard.c) ---- */

/* Whether one mapping of @tid covers [addr, addr + len). */
static bool range_mapped(pid_t tid, unsigned long addr, unsigned long len)
{
	char path[64], line[512];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", tid);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		unsigned long s, e;

		found = sscanf(line, "%lx-%lx", &s, &e) == 2 && s <= addr && addr + len <= e;
	}
	fclose(f);
	return found;
}

static int repair_seize(pid_t tid)
{
	int ret = ptrace_seize_interrupt(tid, PTRACE_O_SUSPEND_SECCOMP);

	if (ret == -EPERM || ret == -EINVAL)
		ret = ptrace_seize_interrupt(tid, 0);
	return ret ?: ptrace_wait_interrupt(tid, 2000, NULL);
}

/* The scratch memory the slot's thread may still hold (0: none). */
static unsigned long repair_scratch(const struct inject_journal_slot *s,
				    const struct arch_regs *regs, bool at_site)
{
	unsigned long addr = s->scratch, page = (unsigned long)sysconf(_SC_PAGESIZE);

	if (!addr && s->scratch_pending && at_site) {
		/* Parked after the mmap: its result; parked before it: 0 (the park's). */
		long r = arch_regs_syscall_ret(regs);

		if (r > 0 && !((unsigned long)r & (page - 1)))
			addr = (unsigned long)r;
	}
	if (!addr || !s->scratch_len || !range_mapped(s->tid, addr, s->scratch_len))
		return 0;
	return addr;
}

static int repair_unmap(pid_t tid, unsigned long addr, unsigned long len)
{
	struct inject in;
	long r;
	int ret = inject_begin(&in, tid);

	if (ret)
		return ret;
	r = inject_call(&in, SYS_munmap, addr, len, 0, 0, 0, 0);
	ret = inject_end(&in);
	return r ? (r < 0 ? (int)r : -EIO) : ret;
}

int inject_journal_repair(const struct inject_journal_slot *s)
{
	struct inject in = {.tid = s->tid};
	struct arch_regs regs;
	unsigned long scratch, ip;
	bool at_site;
	int ret = repair_seize(s->tid);
	struct proc_stat st;

	/* A thread dead or dying (a zombie cannot be seized) has nothing to put back. */
	if (ret &&
	    (ret == -ESRCH || proc_read_stat(s->tid, 0, &st) || st.state == 'Z' || st.state == 'X'))
		return -ESRCH;
	if (ret) {
		if (ret != -ESRCH)
			pr_err("keeper: cannot stop thread %d to repair it: %s", s->tid,
			       strerror(-ret));
		return ret;
	}
	ret = arch_get_regs(s->tid, &regs);
	if (ret)
		goto out;
	/* Parked or spinning on our code: the registers and mask are ours. */
	ip = arch_regs_ip(&regs);
	at_site = s->site_len && ip >= s->site && ip < s->site + s->site_len;
	scratch = repair_scratch(s, &regs, at_site);
	if (s->stack_patch_len)
		ret = inject_write(&in, s->stack_patch, s->stack_old, s->stack_patch_len);
	if (!ret && s->site_len)
		ret = inject_write(&in, s->site, s->site_old, s->site_len);
	if (!ret && scratch)
		ret = repair_unmap(s->tid, scratch, s->scratch_len);
	if (!ret && at_site) {
		ret = ptrace_set_sigmask(s->tid, s->saved_mask);
		if (!ret)
			ret = arch_set_regs(s->tid, &s->saved);
	}
	for (int sig = 1; !ret && sig <= 64; sig++)
		if (s->held_sigs & (1ULL << (sig - 1)))
			syscall(SYS_tkill, s->tid, sig);
out:
	if (ret)
		pr_err("keeper: repairing thread %d: %s", s->tid, strerror(-ret));
	else
		pr_info("keeper: thread %d put back (%s)", s->tid,
			at_site ? "registers, signal mask and memory" : "memory");
	ptrace_detach(s->tid, 0);
	return ret;
}
