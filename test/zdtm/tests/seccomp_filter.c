/*
 * Seccomp state survives, per thread and per process:
 *  - the root (uid 0, no no_new_privs) has two filters: the older one makes
 *    sysinfo fail with errno 10 and times with 55, the newer (installed with
 *    SECCOMP_FILTER_FLAG_LOG) sysinfo with 20. When two filters return
 *    errors the newest wins, so 20 also proves the order they came back in;
 *  - a second thread of the root adds a third filter of its own (getpriority
 *    fails with 33); the main thread must not have it;
 *  - a child runs as uid 65534 with no_new_privs and a filter of its own on
 *    top of the two it inherited (sysinfo: 30): its filters must be back
 *    although it could not install them itself without no_new_privs;
 *  - a child forked before any filter is in strict mode, waiting in read():
 *    after restore it answers one byte, then dies of SIGKILL on getppid.
 * Each checks errno values and /proc's Seccomp, Seccomp_filters, NoNewPrivs.
 */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

#define NOBODY 65534
#define NONE 0xffffffffu /* a syscall number never seen */

#ifndef SECCOMP_FILTER_FLAG_LOG
#define SECCOMP_FILTER_FLAG_LOG 2
#endif

static int go[2];

/* nr1 fails with err1 and nr2 with err2; everything else is allowed. */
static int install(unsigned int nr1, int err1, unsigned int nr2, int err2, unsigned int flags)
{
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr1, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (unsigned int)err1),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr2, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (unsigned int)err2),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {sizeof(code) / sizeof(code[0]), code};

	return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
}

/* A syscall that must fail with @err (0: must succeed). */
static void expect(const char *who, const char *what, long r, int err)
{
	if (err && (r != -1 || errno != err))
		fail("%s: %s returned %ld (errno %d), expected errno %d", who, what, r,
		     r == -1 ? errno : 0, err);
	if (!err && r < 0)
		fail("%s: %s failed: %m, expected success", who, what);
}

/* /proc/self/task/@tid/status field @key must read @want. */
static void status_is(const char *who, pid_t tid, const char *key, long want)
{
	char path[64], line[256];
	size_t kl = strlen(key);
	long got = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/status", tid);
	f = fopen(path, "r");
	if (!f) {
		fail("%s: %s: %m", who, path);
		return;
	}
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, kl) && line[kl] == ':')
			got = strtol(line + kl + 1, NULL, 10);
	fclose(f);
	if (got != want)
		fail("%s: %s is %ld, expected %ld", who, key, got, want);
}

static void check_root_thread(const char *who, pid_t tid, int own)
{
	char si[512], tms[64];

	expect(who, "sysinfo", syscall(SYS_sysinfo, si), 20);
	expect(who, "times", syscall(SYS_times, tms), 55);
	expect(who, "getpriority", syscall(SYS_getpriority, PRIO_PROCESS, 0), own ? 33 : 0);
	status_is(who, tid, "Seccomp", 2);
	status_is(who, tid, "Seccomp_filters", own ? 3 : 2);
	status_is(who, tid, "NoNewPrivs", 0);
}

static void *worker(void *arg)
{
	int *ready = arg;
	pid_t tid = gettid();
	char c;

	if (install(SYS_getpriority, 33, NONE, 0, 0))
		fail("worker: seccomp: %m");
	if (write(*ready, "r", 1) != 1)
		fail("worker: ready: %m");
	while (read(go[0], &c, 1) < 0)
		; /* the checkpoint happens here; EINTR only */
	check_root_thread("root's second thread", tid, 1);
	return NULL;
}

static void nnp_child(int ready_fd)
{
	char si[512];

	if (setresgid(NOBODY, NOBODY, NOBODY) || setresuid(NOBODY, NOBODY, NOBODY))
		fail("child: becoming uid/gid %d: %m", NOBODY);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || install(SYS_sysinfo, 30, NONE, 0, 0))
		fail("child: no_new_privs + seccomp: %m");
	if (write(ready_fd, "c", 1) != 1)
		fail("child: ready: %m");
	test_waitsig();
	expect("uid 65534 child", "sysinfo", syscall(SYS_sysinfo, si), 30);
	expect("uid 65534 child", "getuid", getuid() == NOBODY ? 0 : -1, 0);
	status_is("uid 65534 child", gettid(), "Seccomp", 2);
	status_is("uid 65534 child", gettid(), "Seccomp_filters", 3);
	status_is("uid 65534 child", gettid(), "NoNewPrivs", 1);
	exit(test_failures() ? 1 : 0);
}

/* Strict mode: read, write and exit only. Raw syscalls, nothing else. */
static void strict_child(int in, int out, int ready_fd)
{
	char c = 0;

	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT, 0, 0, 0))
		fail("strict child: PR_SET_SECCOMP: %m");
	syscall(SYS_write, ready_fd, "s", 1);
	while (syscall(SYS_read, in, &c, 1) != 1)
		; /* the checkpoint happens here */
	c++;
	syscall(SYS_write, out, &c, 1);
	syscall(SYS_getppid); /* not allowed: SIGKILL */
	syscall(SYS_exit, 3);
}

static void check_strict(pid_t pid, int in, int out)
{
	char path[64], line[256], c = 'a';
	int st, mode = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "Seccomp:", 8))
			mode = atoi(line + 8);
	if (f)
		fclose(f);
	if (mode != 1)
		fail("strict child %d: Seccomp is %d, expected 1", pid, mode);
	if (write(in, &c, 1) != 1 || read(out, &c, 1) != 1)
		fail("strict child %d: no answer: %m", pid);
	else if (c != 'b')
		fail("strict child %d answered '%c', expected 'b'", pid, c);
	st = wait_child(pid, 10000);
	if (st == -1 || !WIFSIGNALED(st) || WTERMSIG(st) != SIGKILL)
		fail("strict child %d: wait status 0x%x, expected death by SIGKILL", pid, st);
}

int main(int argc, char **argv)
{
	int ready[2], s_in[2], s_out[2], st;
	pid_t strict, nnp;
	pthread_t th;
	sigset_t term;
	char c;

	test_init(argc, argv);
	if (geteuid())
		test_skip("needs root to run a child as uid %d", NOBODY);
	if (pipe(ready) || pipe(go) || pipe(s_in) || pipe(s_out))
		test_skip("pipe: %m");
	strict = fork();
	if (strict < 0)
		test_skip("fork: %m");
	if (strict == 0)
		strict_child(s_in[0], s_out[1], ready[1]);
	if (read(ready[0], &c, 1) != 1)
		fail("strict child %d did not start", strict);

	if (install(SYS_sysinfo, 10, SYS_times, 55, 0))
		test_skip("seccomp filter: %m");
	if (install(SYS_sysinfo, 20, NONE, 0, SECCOMP_FILTER_FLAG_LOG))
		test_skip("seccomp filter with SECCOMP_FILTER_FLAG_LOG: %m");
	nnp = fork();
	if (nnp < 0)
		test_skip("fork: %m");
	if (nnp == 0)
		nnp_child(ready[1]);
	if (read(ready[0], &c, 1) != 1)
		fail("child %d did not start", nnp);

	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &term, NULL);
	if (pthread_create(&th, NULL, worker, &ready[1]))
		test_skip("pthread_create: %m");
	pthread_sigmask(SIG_UNBLOCK, &term, NULL);
	if (read(ready[0], &c, 1) != 1)
		fail("thread did not start");

	test_daemon();
	test_waitsig();

	check_root_thread("root", gettid(), 0);
	if (write(go[1], "g", 1) != 1)
		fail("waking the thread: %m");
	pthread_join(th, NULL);
	check_strict(strict, s_in[1], s_out[0]);
	kill(nnp, SIGTERM);
	st = wait_child(nnp, 10000);
	if (st != 0)
		fail("child %d: wait status 0x%x, expected exit 0", nnp, st);
	return test_done();
}
