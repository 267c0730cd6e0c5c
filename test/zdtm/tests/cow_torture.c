/*
 * Consistency of a dump taken while the tree writes (dump -R's copy-on-write
 * snapshot): from before test_daemon() until SIGTERM, several threads write
 * whole pages across a populated area, one of them through the kernel
 * (read() from a pipe into the page). Thread k owns the pages k, k+T, ...;
 * its write i fills its local page (i * STRIDE) mod NK with the words
 * WORD(i, w), then stores i in its counter. At any instant (the freeze
 * included) a thread's pages therefore hold exactly the last write <= its
 * counter, but for the one write in flight, which the restored thread
 * finishes. After SIGTERM the threads stop and every page must hold exactly
 * the last write <= the final counter: a page copied after the tree wrote
 * it holds a later write than its counter allows, a counter copied late
 * promises writes its pages lack.
 */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "zdtmtst.h"

#define T 4	      /* writer threads; the last one writes through read() */
#define STRIDE 40503u /* odd: coprime with the power-of-two pages per thread */
#define WORD(i, w) (((uint64_t)(i) << 12) | (uint64_t)(w))

static uint8_t *area;
static size_t ps, nk; /* pages per thread */
static volatile int stop;
static volatile uint64_t *cnt; /* cnt[k * 8]: one cache line each */
static int pfd[2];
static uint64_t pipe_buf[65536 / 8]; /* the pipe writer's source (no malloc arena in a thread) */

static uint8_t *page_of(int k, uint64_t i)
{
	size_t q = (size_t)((i * STRIDE) % nk);

	return area + (q * T + (size_t)k) * ps;
}

static void fill(volatile uint64_t *p, uint64_t i)
{
	for (size_t w = 0; w < ps / 8; w++)
		p[w] = WORD(i, w);
}

static void *writer(void *arg)
{
	int k = (int)(intptr_t)arg;
	uint64_t *buf = pipe_buf;

	for (uint64_t i = cnt[k * 8] + 1; !stop; i++) {
		uint8_t *p = page_of(k, i);

		if (k == T - 1) { /* a kernel-mode write into the page */
			size_t got = 0;

			fill(buf, i);
			if (write(pfd[1], buf, ps) != (ssize_t)ps)
				fail("pipe write: %m");
			while (got < ps) {
				ssize_t n = read(pfd[0], p + got, ps - got);

				if (n <= 0) {
					fail("pipe read into %p: %m", (void *)p);
					return NULL;
				}
				got += (size_t)n;
			}
		} else {
			fill((volatile uint64_t *)p, i);
		}
		__atomic_store_n(&cnt[k * 8], i, __ATOMIC_RELEASE);
	}
	return NULL;
}

/* The last write of thread k to local page q at or before write c (0: none). */
static uint64_t last_write(size_t q, uint64_t c)
{
	uint64_t inv = 1, i0;

	/* STRIDE^-1 mod nk (nk a power of two): Newton's iteration */
	for (int r = 0; r < 6; r++)
		inv *= 2 - STRIDE * inv;
	i0 = (q * inv) % nk;
	if (!i0)
		i0 = nk;
	if (c < i0)
		return 0;
	return i0 + (c - i0) / nk * nk;
}

static void check(void)
{
	size_t bad = 0;

	for (int k = 0; k < T; k++) {
		uint64_t c = cnt[k * 8];

		for (size_t q = 0; q < nk; q++) {
			const uint64_t *p = (const uint64_t *)(area + (q * T + (size_t)k) * ps);
			uint64_t want = last_write(q, c);

			for (size_t w = 0; w < ps / 8; w++) {
				if (p[w] == WORD(want, w))
					continue;
				if (bad++ < 5)
					fail("page %p (thread %d, counter %llu): word %zu holds "
					     "write "
					     "%llu, want write %llu",
					     (const void *)p, k, (unsigned long long)c, w,
					     (unsigned long long)(p[w] >> 12),
					     (unsigned long long)want);
				break;
			}
		}
	}
	if (bad)
		fail("%zu of %zu pages differ from their thread's counter", bad, nk * T);
}

int main(int argc, char **argv)
{
	size_t pages = (size_t)test_arg_long("pages", 16384);
	pthread_t th[T];
	sigset_t all, old;

	test_init(argc, argv);
	ps = (size_t)sysconf(_SC_PAGESIZE);
	for (nk = 1; nk * 2 * T <= pages; nk *= 2)
		;
	area = mmap(NULL, nk * T * ps, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	cnt = mmap(NULL, ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ps > sizeof(pipe_buf) || area == MAP_FAILED || cnt == MAP_FAILED || pipe(pfd))
		test_skip("no memory or pipe: %m");
	for (int k = 0; k < T; k++)
		for (size_t q = 0; q < nk; q++)
			fill((volatile uint64_t *)(area + (q * T + (size_t)k) * ps), 0);
	/* the writers never take SIGTERM: they start with every signal blocked */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (int k = 0; k < T; k++)
		if (pthread_create(&th[k], NULL, writer, (void *)(intptr_t)k))
			test_skip("pthread_create failed");
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	/* every writer past its start (its signal mask set) before the runner looks */
	for (int k = 0; k < T; k++)
		while (!__atomic_load_n(&cnt[k * 8], __ATOMIC_ACQUIRE))
			usleep(1000);
	test_daemon();
	test_waitsig();
	stop = 1;
	for (int k = 0; k < T; k++)
		pthread_join(th[k], NULL);
	test_msg("writes: %llu %llu %llu %llu", (unsigned long long)cnt[0],
		 (unsigned long long)cnt[8], (unsigned long long)cnt[16],
		 (unsigned long long)cnt[24]);
	check();
	return test_done();
}
