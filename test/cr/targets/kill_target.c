/*
 * Target for scripts/kill-soak.sh: a process whose every thread holds known
 * values in its registers, so that a tracer that dies (or is killed) while
 * it borrows a thread for an injected syscall shows up as a wrong register,
 * not as a silent crash much later.
 *
 *   kill_target RESULT [-m MIB] [-s SPINS] [-z SLEEP_US]
 *
 * Three threads (the main thread and two more) each loop:
 *   - load a pattern derived from (thread, iteration) into rax..r15 (all but
 *     rsp) and xmm0-15 (ymm0-15 with AVX), spin SPINS times, store them back
 *     and compare;
 *   - load another pattern into every register a syscall preserves, sleep
 *     SLEEP_US in a raw nanosleep (so a freeze usually finds the thread in a
 *     syscall that must be restarted), store and compare;
 *   - check its MXCSR control bits (a distinct value per thread).
 * Thread 2 also rewrites a MIB-sized area with a pattern that depends on a
 * generation counter, a few pages per iteration. Each thread blocks its own
 * distinctive set of signals; the process owns a fixed set of fds.
 *
 * It writes RESULT.ready (its pid) once set up. On SIGUSR1 (only the main
 * thread takes it), or a byte written into its request pipe (fd 33, which
 * /proc/PID/fd/33 opens; this still works when the main thread's mask was
 * left wrong and SIGUSR1 no longer arrives), it checks register mismatch counts, progress of every
 * thread, the blocked masks and TracerPid of /proc/self/task/TID/status,
 * the fd table against its snapshot, the memory area and a checksummed
 * static region, then writes "OK uffd=N" (N: userfaultfds a write tracker
 * left, which are not counted as a change) or "CORRUPT: what differed" to
 * RESULT (through RESULT.tmp and a rename). On other architectures it exits
 * 77: the register patterns are x86_64 assembly.
 */
#define _GNU_SOURCE
#include <stdio.h>

#if defined(__x86_64__)
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <xmmintrin.h>

#define KT_THREADS 3
#define KT_NGPR 15
#define KT_CHUNK_WORDS 2048	  /* 16 KiB of the area per writer iteration */
#define KT_STATIC_WORDS (1 << 17) /* 1 MiB */
#define KT_MAXFD 1024
#define KT_PIPE_MSG "kill-target pipe\n"

/* Layout shared with the assembly below: gpr at 0, 16 vector slots of 32 bytes at 128. */
struct kt_regs {
	uint64_t gpr[16];
	uint64_t vec[16][4];
} __attribute__((aligned(32)));

static const char *const kt_gpr_name[KT_NGPR] = {"rax", "rbx", "rcx", "rdx", "rsi",
						 "rdi", "rbp", "r8",  "r9",  "r10",
						 "r11", "r12", "r13", "r14", "r15"};

/* Registers a syscall clobbers or takes as arguments: not compared after kt_sleep_*. */
#define KT_SLEEP_SKIP ((1u << 0) | (1u << 2) | (1u << 4) | (1u << 5) | (1u << 10))

/* clang-format off */
#define KT_VLIST(X) \
	X(0, 128) X(1, 160) X(2, 192) X(3, 224) X(4, 256) X(5, 288) X(6, 320) X(7, 352) \
	X(8, 384) X(9, 416) X(10, 448) X(11, 480) X(12, 512) X(13, 544) X(14, 576) X(15, 608)
#define KT_LD_SSE(n, off) "movdqu " #off "(%rdi), %xmm" #n "\n"
#define KT_ST_SSE(n, off) "movdqu %xmm" #n ", " #off "(%rdi)\n"
#define KT_LD_AVX(n, off) "vmovdqu " #off "(%rdi), %ymm" #n "\n"
#define KT_ST_AVX(n, off) "vmovdqu %ymm" #n ", " #off "(%rdi)\n"
#define KT_STR_(x) #x
#define KT_STR(x) KT_STR_(x)

#define KT_BEGIN(name) \
	".text\n" \
	".globl " #name "\n" \
	".type " #name ", @function\n" \
	#name ":\n" \
	"push %rbx\n" \
	"push %rbp\n" \
	"push %r12\n" \
	"push %r13\n" \
	"push %r14\n" \
	"push %r15\n" \
	"push %rsi\n"		/* out: 8(%rsp) */ \
	"push %rdx\n"		/* spin counter or timespec: 0(%rsp) */
#define KT_END(name, VZ) \
	"add $16, %rsp\n" \
	"pop %r15\n" \
	"pop %r14\n" \
	"pop %r13\n" \
	"pop %r12\n" \
	"pop %rbp\n" \
	"pop %rbx\n" \
	VZ \
	"ret\n" \
	".size " #name ", .-" #name "\n"

/* Registers a syscall keeps: rbx rdx rbp r8 r9 r10 r12-r15. */
#define KT_LD_KEPT \
	"mov 8(%rdi), %rbx\n" \
	"mov 24(%rdi), %rdx\n" \
	"mov 48(%rdi), %rbp\n" \
	"mov 56(%rdi), %r8\n" \
	"mov 64(%rdi), %r9\n" \
	"mov 72(%rdi), %r10\n" \
	"mov 88(%rdi), %r12\n" \
	"mov 96(%rdi), %r13\n" \
	"mov 104(%rdi), %r14\n" \
	"mov 112(%rdi), %r15\n"
#define KT_ST_KEPT \
	"mov %rbx, 8(%rdi)\n" \
	"mov %rdx, 24(%rdi)\n" \
	"mov %rbp, 48(%rdi)\n" \
	"mov %r8, 56(%rdi)\n" \
	"mov %r9, 64(%rdi)\n" \
	"mov %r10, 72(%rdi)\n" \
	"mov %r12, 88(%rdi)\n" \
	"mov %r13, 96(%rdi)\n" \
	"mov %r14, 104(%rdi)\n" \
	"mov %r15, 112(%rdi)\n"

/*
 * kt_spin_*(in, out, spins): every general register but rsp, and every vector
 * register, holds in[] while a counter on the stack counts down; then they are
 * stored to out[]. rdi is loaded last and stored last (through the stack).
 */
#define KT_SPIN(name, LD, ST, VZ) \
	KT_BEGIN(name) \
	KT_VLIST(LD) \
	KT_LD_KEPT \
	"mov 0(%rdi), %rax\n" \
	"mov 16(%rdi), %rcx\n" \
	"mov 32(%rdi), %rsi\n" \
	"mov 80(%rdi), %r11\n" \
	"mov 40(%rdi), %rdi\n" \
	"1: decq (%rsp)\n" \
	"jnz 1b\n" \
	"push %rdi\n" \
	"mov 16(%rsp), %rdi\n" \
	KT_ST_KEPT \
	"mov %rax, 0(%rdi)\n" \
	"mov %rcx, 16(%rdi)\n" \
	"mov %rsi, 32(%rdi)\n" \
	"mov %r11, 80(%rdi)\n" \
	"popq 40(%rdi)\n" \
	KT_VLIST(ST) \
	KT_END(name, VZ)

/* kt_sleep_*(in, out, ts): the kept registers around a raw nanosleep(ts, NULL). */
#define KT_SLEEP(name, LD, ST, VZ) \
	KT_BEGIN(name) \
	KT_VLIST(LD) \
	KT_LD_KEPT \
	"mov $" KT_STR(SYS_nanosleep) ", %eax\n" \
	"mov 0(%rsp), %rdi\n" \
	"xor %esi, %esi\n" \
	"syscall\n" \
	"mov 8(%rsp), %rdi\n" \
	KT_ST_KEPT \
	KT_VLIST(ST) \
	KT_END(name, VZ)

__asm__(KT_SPIN(kt_spin_sse, KT_LD_SSE, KT_ST_SSE, "")
	KT_SPIN(kt_spin_avx, KT_LD_AVX, KT_ST_AVX, "vzeroupper\n")
	KT_SLEEP(kt_sleep_sse, KT_LD_SSE, KT_ST_SSE, "")
	KT_SLEEP(kt_sleep_avx, KT_LD_AVX, KT_ST_AVX, "vzeroupper\n"));
/* clang-format on */

void kt_spin_sse(const struct kt_regs *in, struct kt_regs *out, unsigned long spins);
void kt_spin_avx(const struct kt_regs *in, struct kt_regs *out, unsigned long spins);
void kt_sleep_sse(const struct kt_regs *in, struct kt_regs *out, const struct timespec *ts);
void kt_sleep_avx(const struct kt_regs *in, struct kt_regs *out, const struct timespec *ts);

struct kt_thread {
	int index;
	pthread_t th;
	sigset_t mask;	    /* what this thread blocks */
	unsigned int mxcsr; /* control bits it runs with */
	_Atomic int tid;
	_Atomic uint64_t iters;
	_Atomic uint64_t mismatches;
};

struct kt_fd {
	int fd, fdflags, flflags;
	char link[256];
};

static struct {
	const char *result;
	unsigned long spins;
	struct timespec nap;
	int avx;
	size_t mem_words;
	uint64_t *mem;
	struct kt_thread t[KT_THREADS];
	struct kt_fd fds[64];
	int nr_fds;
	/* Thread 2's writer: words below cursor are of generation gen, the rest gen - 1. */
	_Atomic uint64_t gen, cursor;
	_Atomic int mem_pause, mem_paused;
	_Atomic int first_taken;
	char first[512];
	uint64_t static_sum;
} kt;

static volatile sig_atomic_t kt_check_req;
static uint64_t kt_static[KT_STATIC_WORDS];	    /* .bss */
static uint64_t kt_static_data[512] = {0x6b696c6c}; /* .data */

static uint64_t kt_mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static uint64_t kt_mem_word(size_t i, uint64_t gen)
{
	return kt_mix(i ^ (gen << 40) ^ 0x6d656d0000000000ull);
}

static void kt_fill_regs(struct kt_regs *r, int thread, uint64_t iter, uint64_t salt)
{
	uint64_t seed = ((uint64_t)thread << 56) ^ (iter << 8) ^ (salt << 52);

	for (int i = 0; i < 16; i++)
		r->gpr[i] = kt_mix(seed ^ i);
	for (int i = 0; i < 16; i++)
		for (int j = 0; j < 4; j++)
			r->vec[i][j] = kt_mix(seed ^ (0x100 + i * 4 + j));
}

/* The first mismatch of the run, kept word for word for the report. */
__attribute__((format(printf, 1, 2))) static void kt_note_first(const char *fmt, ...)
{
	int expected = 0;
	va_list ap;

	if (!atomic_compare_exchange_strong(&kt.first_taken, &expected, 1))
		return;
	va_start(ap, fmt);
	vsnprintf(kt.first, sizeof(kt.first), fmt, ap);
	va_end(ap);
}

static void kt_compare(struct kt_thread *t, const char *phase, uint64_t iter,
		       const struct kt_regs *in, const struct kt_regs *out, unsigned int skip)
{
	int vwords = kt.avx ? 4 : 2;

	for (int i = 0; i < KT_NGPR; i++) {
		if ((skip & (1u << i)) || in->gpr[i] == out->gpr[i])
			continue;
		t->mismatches++;
		kt_note_first("thread %d (tid %d) iteration %llu %s: %s is %#llx, expected %#llx",
			      t->index, t->tid, (unsigned long long)iter, phase, kt_gpr_name[i],
			      (unsigned long long)out->gpr[i], (unsigned long long)in->gpr[i]);
	}
	for (int i = 0; i < 16; i++)
		for (int j = 0; j < vwords; j++) {
			if (in->vec[i][j] == out->vec[i][j])
				continue;
			t->mismatches++;
			kt_note_first(
				"thread %d (tid %d) iteration %llu %s: %cmm%d bytes %d-%d are "
				"%#llx, expected %#llx",
				t->index, t->tid, (unsigned long long)iter, phase,
				kt.avx ? 'y' : 'x', i, j * 8, j * 8 + 7,
				(unsigned long long)out->vec[i][j],
				(unsigned long long)in->vec[i][j]);
		}
}

static void kt_write_chunk(void)
{
	uint64_t gen = kt.gen, cur = kt.cursor;
	size_t end = cur + KT_CHUNK_WORDS;

	if (end > kt.mem_words)
		end = kt.mem_words;
	for (size_t i = cur; i < end; i++)
		kt.mem[i] = kt_mem_word(i, gen);
	if (end == kt.mem_words) {
		kt.gen = gen + 1;
		kt.cursor = 0;
	} else {
		kt.cursor = end;
	}
}

static void kt_writer_pause_point(void)
{
	struct timespec ts = {0, 100000};

	if (!kt.mem_pause)
		return;
	kt.mem_paused = 1;
	while (kt.mem_pause)
		nanosleep(&ts, NULL);
	kt.mem_paused = 0;
}

static void kt_check(void);

/* A byte in the request pipe (read end 32, non-blocking) asks for a check. */
static int kt_request_pending(void)
{
	char c;

	return read(32, &c, 1) == 1;
}

static void kt_loop(struct kt_thread *t)
{
	struct kt_regs in, out;

	_mm_setcsr(t->mxcsr);
	t->tid = (int)syscall(SYS_gettid);
	for (uint64_t iter = 0;; iter++) {
		t->tid = (int)syscall(SYS_gettid); /* a restore may give new tids */
		kt_fill_regs(&in, t->index, iter, 1);
		memset(&out, 0, sizeof(out));
		(kt.avx ? kt_spin_avx : kt_spin_sse)(&in, &out, kt.spins);
		kt_compare(t, "spin", iter, &in, &out, 0);

		kt_fill_regs(&in, t->index, iter, 2);
		memset(&out, 0, sizeof(out));
		(kt.avx ? kt_sleep_avx : kt_sleep_sse)(&in, &out, &kt.nap);
		kt_compare(t, "nanosleep", iter, &in, &out, KT_SLEEP_SKIP);

		if ((_mm_getcsr() & 0xffc0) != (t->mxcsr & 0xffc0)) {
			t->mismatches++;
			kt_note_first(
				"thread %d (tid %d) iteration %llu: mxcsr is %#x, expected %#x",
				t->index, t->tid, (unsigned long long)iter, _mm_getcsr(), t->mxcsr);
			_mm_setcsr(t->mxcsr);
		}
		if (t->index == 2) {
			kt_writer_pause_point();
			kt_write_chunk();
		}
		t->iters = iter + 1;
		if (t->index == 0 && (kt_check_req || kt_request_pending())) {
			kt_check_req = 0;
			kt_check();
		}
	}
}

static void *kt_thread_main(void *arg)
{
	struct kt_thread *t = arg;

	pthread_sigmask(SIG_SETMASK, &t->mask, NULL);
	kt_loop(t);
	return NULL;
}

/* ---- the check ---- */

struct kt_report {
	char text[2048];
	size_t len;
	int failed;
};

__attribute__((format(printf, 2, 3))) static void kt_fail(struct kt_report *r, const char *fmt, ...)
{
	va_list ap;

	if (r->len + 3 >= sizeof(r->text))
		return;
	if (r->failed)
		r->len += snprintf(r->text + r->len, sizeof(r->text) - r->len, "; ");
	r->failed = 1;
	va_start(ap, fmt);
	r->len += vsnprintf(r->text + r->len, sizeof(r->text) - r->len, fmt, ap);
	va_end(ap);
	if (r->len >= sizeof(r->text))
		r->len = sizeof(r->text) - 1;
}

static uint64_t kt_sig_bits(const sigset_t *s)
{
	uint64_t bits = 0;

	for (int sig = 1; sig <= 64; sig++)
		if (sigismember(s, sig) == 1)
			bits |= 1ull << (sig - 1);
	return bits;
}

static int kt_read_fd_entry(int fd, struct kt_fd *e)
{
	char path[64];
	ssize_t n;

	e->fd = fd;
	e->fdflags = fcntl(fd, F_GETFD);
	if (e->fdflags < 0)
		return -1;
	e->flflags = fcntl(fd, F_GETFL) & (O_ACCMODE | O_APPEND | O_NONBLOCK);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, e->link, sizeof(e->link) - 1);
	e->link[n > 0 ? n : 0] = 0;
	/* A pipe restored elsewhere has another inode: compare the kind only. */
	if (!strncmp(e->link, "pipe:[", 6))
		strcpy(e->link, "pipe");
	return 0;
}

static int kt_is_uffd(const struct kt_fd *e)
{
	return !strcmp(e->link, "anon_inode:[userfaultfd]");
}

/* Enumerates by fcntl, so that no directory fd of our own shows up. */
static int kt_scan_fds(struct kt_fd *out, int max, int *uffds)
{
	int n = 0;

	*uffds = 0;
	for (int fd = 0; fd < KT_MAXFD; fd++) {
		struct kt_fd e;

		if (kt_read_fd_entry(fd, &e))
			continue;
		if (kt_is_uffd(&e)) {
			(*uffds)++;
			continue;
		}
		if (n < max)
			out[n] = e;
		n++;
	}
	return n;
}

static int kt_check_fds(struct kt_report *r)
{
	struct kt_fd now[64];
	struct stat a, b;
	int uffds, n = kt_scan_fds(now, 64, &uffds), avail = 0;
	off_t off;

	if (n != kt.nr_fds)
		kt_fail(r, "%d fds open, expected %d", n, kt.nr_fds);
	for (int i = 0; i < n && i < 64 && i < kt.nr_fds; i++) {
		const struct kt_fd *w = &kt.fds[i], *e = &now[i];

		if (w->fd != e->fd || strcmp(w->link, e->link))
			kt_fail(r, "fd %d is '%s', expected fd %d '%s'", e->fd, e->link, w->fd,
				w->link);
		else if (w->fdflags != e->fdflags || w->flflags != e->flflags)
			kt_fail(r, "fd %d flags %#x/%#o, expected %#x/%#o", e->fd, e->fdflags,
				e->flflags, w->fdflags, w->flflags);
	}
	if (fstat(30, &a) || fstat(31, &b) || a.st_ino != b.st_ino)
		kt_fail(r, "fds 30 and 31 are no longer the two ends of one pipe");
	if (fstat(32, &a) || fstat(33, &b) || a.st_ino != b.st_ino)
		kt_fail(r, "fds 32 and 33 are no longer the two ends of one pipe");
	if (ioctl(30, FIONREAD, &avail) || avail != (int)strlen(KT_PIPE_MSG))
		kt_fail(r, "pipe fd 30 holds %d bytes, expected %zu", avail, strlen(KT_PIPE_MSG));
	off = lseek(50, 0, SEEK_CUR);
	if (off != 4242)
		kt_fail(r, "fd 50 offset is %lld, expected 4242", (long long)off);
	return uffds;
}

/* Thread status from /proc: TracerPid and SigBlk. */
static void kt_check_task_status(struct kt_report *r, const struct kt_thread *t)
{
	char path[64], line[256];
	int tracer = -1;
	unsigned long long blk = 0;
	int have_blk = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/status", t->tid);
	f = fopen(path, "re");
	if (!f) {
		kt_fail(r, "thread %d: cannot open '%s': %s", t->index, path, strerror(errno));
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "TracerPid: %d", &tracer) == 1)
			continue;
		if (sscanf(line, "SigBlk: %llx", &blk) == 1)
			have_blk = 1;
	}
	fclose(f);
	if (tracer != 0)
		kt_fail(r, "thread %d (tid %d) is traced by %d", t->index, t->tid, tracer);
	if (!have_blk || blk != kt_sig_bits(&t->mask))
		kt_fail(r, "thread %d (tid %d) blocks %016llx, expected %016llx", t->index, t->tid,
			blk, (unsigned long long)kt_sig_bits(&t->mask));
}

static int kt_count_tasks(void)
{
	char path[64];
	int n = 0;

	/* tids are small: probe rather than open a directory (no stray fd). */
	for (int i = 0; i < KT_THREADS; i++) {
		snprintf(path, sizeof(path), "/proc/self/task/%d", kt.t[i].tid);
		n += access(path, F_OK) == 0;
	}
	return n;
}

static void kt_check_threads(struct kt_report *r)
{
	uint64_t before[KT_THREADS];
	struct timespec ts = {0, 1000000};

	for (int i = 0; i < KT_THREADS; i++) {
		before[i] = kt.t[i].iters;
		if (kt.t[i].mismatches)
			kt_fail(r, "thread %d (tid %d): %llu register mismatches, first: %s", i,
				kt.t[i].tid, (unsigned long long)kt.t[i].mismatches, kt.first);
		kt_check_task_status(r, &kt.t[i]);
	}
	if (kt_count_tasks() != KT_THREADS)
		kt_fail(r, "%d of %d threads found in /proc/self/task", kt_count_tasks(),
			KT_THREADS);
	for (int i = 1; i < KT_THREADS; i++) {
		int ms = 0;

		while (kt.t[i].iters == before[i] && ms < 1000) {
			nanosleep(&ts, NULL);
			ms++;
		}
		if (kt.t[i].iters == before[i])
			kt_fail(r, "thread %d (tid %d) made no progress in 1 s", i, kt.t[i].tid);
	}
}

static uint64_t kt_static_checksum(void)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < KT_STATIC_WORDS; i++)
		sum = kt_mix(sum ^ kt_static[i]);
	for (size_t i = 0; i < 512; i++)
		sum = kt_mix(sum ^ kt_static_data[i]);
	return sum;
}

static void kt_check_memory(struct kt_report *r)
{
	struct timespec ts = {0, 100000};
	uint64_t gen, cur, sum;
	int waited = 0;

	kt.mem_pause = 1;
	while (!kt.mem_paused && waited < 10000) {
		nanosleep(&ts, NULL);
		waited++;
	}
	if (!kt.mem_paused) {
		kt_fail(r, "thread 2 (tid %d) did not pause its memory writer within 1 s",
			kt.t[2].tid);
		kt.mem_pause = 0;
		return;
	}
	gen = kt.gen;
	cur = kt.cursor;
	for (size_t i = 0; i < kt.mem_words; i++) {
		uint64_t want = kt_mem_word(i, i < cur ? gen : gen - 1);

		if (kt.mem[i] != want) {
			kt_fail(r,
				"memory word %zu (offset %#zx, page %zu) is %#llx, expected %#llx "
				"(generation %llu, writer at word %llu)",
				i, i * 8, i * 8 / 4096, (unsigned long long)kt.mem[i],
				(unsigned long long)want,
				(unsigned long long)(i < cur ? gen : gen - 1),
				(unsigned long long)cur);
			break;
		}
	}
	kt.mem_pause = 0;
	sum = kt_static_checksum();
	if (sum != kt.static_sum)
		kt_fail(r, "static region checksum %#llx, expected %#llx", (unsigned long long)sum,
			(unsigned long long)kt.static_sum);
}

static void kt_write_file(const char *path, const char *text)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f)
		return;
	fputs(text, f);
	if (fclose(f) == 0)
		rename(tmp, path);
}

static void kt_check(void)
{
	struct kt_report r = {.len = 0};
	char out[2200];
	int uffds;

	uffds = kt_check_fds(&r); /* first: before the check opens anything */
	kt_check_threads(&r);
	kt_check_memory(&r);
	if (r.failed)
		snprintf(out, sizeof(out), "CORRUPT: %s\n", r.text);
	else
		snprintf(out, sizeof(out), "OK uffd=%d\n", uffds);
	kt_write_file(kt.result, out);
}

/* ---- set-up ---- */

static void kt_on_usr1(int sig)
{
	(void)sig;
	kt_check_req = 1;
}

static int kt_move_fd(int fd, int to)
{
	if (fd == to)
		return 0;
	if (dup2(fd, to) < 0)
		return -1;
	close(fd);
	return 0;
}

static int kt_open_fds(void)
{
	char path[4096];
	char buf[8192];
	int p[2], fd;

	if (pipe(p) || write(p[1], KT_PIPE_MSG, strlen(KT_PIPE_MSG)) < 0 || kt_move_fd(p[0], 30) ||
	    kt_move_fd(p[1], 31))
		return -1;
	if (pipe(p) || fcntl(p[0], F_SETFL, O_NONBLOCK) || kt_move_fd(p[0], 32) ||
	    kt_move_fd(p[1], 33))
		return -1;
	fd = open("/dev/null", O_RDONLY);
	if (fd < 0 || kt_move_fd(fd, 40))
		return -1;
	snprintf(path, sizeof(path), "%s.file", kt.result);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || kt_move_fd(fd, 50))
		return -1;
	memset(buf, 'k', sizeof(buf));
	if (write(50, buf, sizeof(buf)) != (ssize_t)sizeof(buf) ||
	    lseek(50, 4242, SEEK_SET) != 4242)
		return -1;
	if (dup3(50, 51, O_CLOEXEC) < 0)
		return -1;
	fd = open(path, O_WRONLY | O_APPEND | O_NONBLOCK);
	if (fd < 0 || kt_move_fd(fd, 52))
		return -1;
	kt.nr_fds = kt_scan_fds(kt.fds, 64, &fd);
	return kt.nr_fds > 64 ? -1 : 0;
}

static void kt_setup_threads(void)
{
	for (int i = 0; i < KT_THREADS; i++) {
		kt.t[i].index = i;
		sigemptyset(&kt.t[i].mask);
	}
	/* Distinct blocked sets; only the main thread takes SIGUSR1. */
	sigaddset(&kt.t[0].mask, SIGUSR2);
	sigaddset(&kt.t[0].mask, SIGRTMIN + 1);
	sigaddset(&kt.t[0].mask, SIGXCPU);
	sigaddset(&kt.t[1].mask, SIGUSR1);
	sigaddset(&kt.t[1].mask, SIGUSR2);
	sigaddset(&kt.t[1].mask, SIGRTMIN + 3);
	sigaddset(&kt.t[2].mask, SIGUSR1);
	sigaddset(&kt.t[2].mask, SIGTTOU);
	sigaddset(&kt.t[2].mask, SIGRTMIN + 7);
	sigaddset(&kt.t[2].mask, SIGRTMAX);
	/* Default MXCSR, round down, round up with flush-to-zero. */
	kt.t[0].mxcsr = 0x1f80;
	kt.t[1].mxcsr = 0x1f80 | (1 << 13);
	kt.t[2].mxcsr = 0x1f80 | (2 << 13) | (1 << 15);
}

static int kt_setup_memory(size_t mib)
{
	kt.mem_words = mib << 17;
	kt.mem = mmap(NULL, kt.mem_words * 8, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (kt.mem == MAP_FAILED)
		return -1;
	for (size_t i = 0; i < kt.mem_words; i++)
		kt.mem[i] = kt_mem_word(i, 0);
	kt.gen = 1;
	kt.cursor = 0;
	for (size_t i = 0; i < KT_STATIC_WORDS; i++)
		kt_static[i] = kt_mix(i ^ 0x7374617469630000ull);
	for (size_t i = 1; i < 512; i++)
		kt_static_data[i] = kt_mix(i ^ 0x6461746100000000ull);
	kt.static_sum = kt_static_checksum();
	return 0;
}

static int kt_parse_args(int argc, char **argv, size_t *mib)
{
	long sleep_us = 150;
	int c;

	kt.spins = 15000;
	while ((c = getopt(argc, argv, "m:s:z:")) != -1) {
		switch (c) {
		case 'm':
			*mib = strtoul(optarg, NULL, 0);
			break;
		case 's':
			kt.spins = strtoul(optarg, NULL, 0);
			break;
		case 'z':
			sleep_us = strtol(optarg, NULL, 0);
			break;
		default:
			return -1;
		}
	}
	if (optind != argc - 1 || !*mib || !kt.spins || sleep_us < 0)
		return -1;
	kt.result = argv[optind];
	kt.nap.tv_sec = sleep_us / 1000000;
	kt.nap.tv_nsec = (sleep_us % 1000000) * 1000;
	return 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = kt_on_usr1, .sa_flags = SA_RESTART};
	char path[4096], pid[32];
	size_t mib = 64;

	if (kt_parse_args(argc, argv, &mib)) {
		fprintf(stderr, "usage: kill_target RESULT [-m MIB] [-s SPINS] [-z SLEEP_US]\n");
		return 2;
	}
	__builtin_cpu_init();
	kt.avx = __builtin_cpu_supports("avx");
	kt_setup_threads();
	if (kt_setup_memory(mib) || kt_open_fds()) {
		fprintf(stderr, "kill_target: set-up failed: %s\n", strerror(errno));
		return 1;
	}
	sigemptyset(&sa.sa_mask);
	pthread_sigmask(SIG_SETMASK, &kt.t[0].mask, NULL);
	if (sigaction(SIGUSR1, &sa, NULL))
		return 1;
	for (int i = 1; i < KT_THREADS; i++)
		if (pthread_create(&kt.t[i].th, NULL, kt_thread_main, &kt.t[i]))
			return 1;
	kt.t[0].tid = getpid();
	snprintf(path, sizeof(path), "%s.ready", kt.result);
	snprintf(pid, sizeof(pid), "%d\n", getpid());
	kt_write_file(path, pid);
	kt_loop(&kt.t[0]);
	return 0;
}

#else /* !__x86_64__ */

int main(void)
{
	printf("SKIP: kill_target checks x86_64 registers only\n");
	return 77;
}
#endif
