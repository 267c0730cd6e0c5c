/*
 * Threads keep their tids and their TLS (__thread variables, fs base): each
 * thread checks its own values after restore. NTHREADS comes from --threads.
 */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "zdtmtst.h"

static __thread uint64_t tls_val;
static __thread char tls_buf[256];

struct th {
	pthread_t t;
	int idx;
	pid_t tid;
	int bad;
};

static pthread_barrier_t ready, go;

static void *thread_fn(void *arg)
{
	struct th *th = arg;
	uint64_t seed = 500 + th->idx;

	th->tid = gettid();
	tls_val = mem_pattern_word(seed, 999);
	mem_fill(tls_buf, sizeof(tls_buf), seed);
	pthread_barrier_wait(&ready);
	pthread_barrier_wait(&go); /* the checkpoint happens while we wait here */

	if (gettid() != th->tid) {
		fail("thread %d: tid %d, expected %d", th->idx, gettid(), th->tid);
		th->bad = 1;
	}
	if (tls_val != mem_pattern_word(seed, 999)) {
		fail("thread %d: __thread value 0x%llx, expected 0x%llx", th->idx,
		     (unsigned long long)tls_val, (unsigned long long)mem_pattern_word(seed, 999));
		th->bad = 1;
	}
	if (mem_check("thread TLS buffer", tls_buf, sizeof(tls_buf), seed))
		th->bad = 1;
	return NULL;
}

int main(int argc, char **argv)
{
	struct th *ths;
	sigset_t term;
	long n, i;

	test_init(argc, argv);
	n = test_arg_long("threads", 2);
	ths = calloc(n, sizeof(*ths));
	tls_val = 0x1234;
	/* Only the main thread may take SIGTERM: the others inherit this mask. */
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &term, NULL);
	pthread_barrier_init(&ready, NULL, n + 1);
	pthread_barrier_init(&go, NULL, n + 1);
	for (i = 0; i < n; i++) {
		ths[i].idx = i;
		if (pthread_create(&ths[i].t, NULL, thread_fn, &ths[i]))
			test_skip("pthread_create: %m");
	}
	pthread_sigmask(SIG_UNBLOCK, &term, NULL);
	pthread_barrier_wait(&ready);
	test_daemon();
	test_waitsig();

	pthread_barrier_wait(&go);
	for (i = 0; i < n; i++)
		pthread_join(ths[i].t, NULL);
	if (tls_val != 0x1234)
		fail("main thread: __thread value 0x%llx, expected 0x1234",
		     (unsigned long long)tls_val);
	return test_done();
}
