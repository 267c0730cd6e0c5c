/*
 * Memory restored lazily (restore --lazy-pages) reads back right however it
 * is first touched: right after the restore, pages near the end of a 256 MiB
 * area (still missing while the server pushes from the start) are reached
 * through read() and write() (kernel-side faults), madvise(DONTNEED), an
 * mremap there and back, and a fork whose child checks every word too; a
 * sparse area keeps its never-written pages zero. Any mode: it only checks.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

#define SEED_A 18
#define SEED_S 19
#define SPARSE (16UL << 20)

static size_t ps;

/* The pattern word @i of area A back in place over [@p, @p + @len). */
static void refill(char *a, char *p, size_t len)
{
	for (size_t i = 0; i < len / 8; i++)
		((uint64_t *)p)[i] = mem_pattern_word(SEED_A, (uint64_t)(p - a) / 8 + i);
}

static void check_sparse(const char *s)
{
	for (size_t off = 0; off < SPARSE; off += ps) {
		if ((off / ps) % 4 == 0) {
			if (mem_verify(s + off, ps, SEED_S + off / ps))
				fail("sparse area: written page at offset 0x%zx lost its pattern",
				     off);
			continue;
		}
		for (size_t k = 0; k < ps; k += 8)
			if (*(const uint64_t *)(s + off + k)) {
				fail("sparse area: never-written page at offset 0x%zx reads 0x%llx "
				     "at +0x%zx, not zero",
				     off, (unsigned long long)*(const uint64_t *)(s + off + k), k);
				break;
			}
	}
}

/* read() and write() whose kernel side faults on pages the process never touched. */
static void kernel_faults(char *a, size_t size)
{
	char *pr = a + size - 3 * ps, *pw = a + size - 7 * ps, *buf = malloc(ps);
	static const char msg[8] = "lazy-18";
	int p[2];

	if (!buf || pipe(p))
		return fail("pipe: %m");
	if (write(p[1], msg, sizeof(msg)) != sizeof(msg) ||
	    read(p[0], pr + 100, sizeof(msg)) != sizeof(msg))
		fail("read() into a lazy page at %p: %m", (void *)pr);
	else if (memcmp(pr + 100, msg, sizeof(msg)))
		fail("read() into a lazy page at %p: the bytes read are not there", (void *)pr);
	/* words 12 and 13 hold the bytes read; every other one must be the pattern */
	for (size_t i = 0; i < ps / 8; i++)
		if (i != 12 && i != 13 &&
		    ((uint64_t *)pr)[i] != mem_pattern_word(SEED_A, (uint64_t)(pr - a) / 8 + i)) {
			fail("page %p around a read() into it: word %zu is 0x%llx, not the pattern "
			     "(zero-filled instead of served?)",
			     (void *)pr, i, (unsigned long long)((uint64_t *)pr)[i]);
			break;
		}
	refill(a, pr + 96, 16);
	if (write(p[1], pw, ps) != (ssize_t)ps || read(p[0], buf, ps) != (ssize_t)ps)
		fail("write() from a lazy page at %p: %m", (void *)pw);
	for (size_t i = 0; i < ps / 8; i++)
		if (((uint64_t *)buf)[i] != mem_pattern_word(SEED_A, (uint64_t)(pw - a) / 8 + i)) {
			fail("write() from lazy page %p sent wrong word %zu", (void *)pw, i);
			break;
		}
	close(p[0]);
	close(p[1]);
	free(buf);
}

/* madvise(DONTNEED) reads zero; an mremap away and back keeps the contents. */
static void vm_changes(char *a, size_t size)
{
	char *pd = a + size - (5UL << 20), *mv = a + size - (2UL << 20), *to;

	if (madvise(pd, ps, MADV_DONTNEED))
		fail("madvise: %m");
	for (size_t k = 0; k < ps; k += 8)
		if (*(uint64_t *)(pd + k)) {
			fail("page %p reads non-zero after MADV_DONTNEED", (void *)pd);
			break;
		}
	refill(a, pd, ps);
	to = mmap(NULL, 1UL << 20, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (to == MAP_FAILED ||
	    mremap(mv, 1UL << 20, 1UL << 20, MREMAP_MAYMOVE | MREMAP_FIXED, to) != to)
		return fail("mremap away: %m");
	for (size_t i = 0; i < (1UL << 20) / 8; i++)
		if (((uint64_t *)to)[i] != mem_pattern_word(SEED_A, (uint64_t)(mv - a) / 8 + i)) {
			fail("mremapped lazy memory: word %zu at %p differs", i, (void *)to);
			break;
		}
	if (mremap(to, 1UL << 20, 1UL << 20, MREMAP_MAYMOVE | MREMAP_FIXED, mv) != mv)
		fail("mremap back: %m");
}

int main(int argc, char **argv)
{
	size_t size = (size_t)test_arg_long("size", 256) << 20;
	char *a, *s;
	pid_t child;
	int st;

	test_init(argc, argv);
	ps = page_size();
	a = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1,
		 0);
	s = mmap(NULL, SPARSE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a == MAP_FAILED || s == MAP_FAILED)
		test_skip("mmap %zu MiB: %m", size >> 20);
	mem_fill(a, size, SEED_A);
	for (size_t off = 0; off < SPARSE; off += 4 * ps)
		mem_fill(s + off, ps, SEED_S + off / ps);
	test_daemon();
	test_waitsig();

	kernel_faults(a, size);
	vm_changes(a, size);
	child = fork();
	if (child == 0) {
		mem_check("256 MiB area, in a child forked after the restore", a, size, SEED_A);
		check_sparse(s);
		_exit(test_failures() ? 1 : 0);
	}
	mem_check("256 MiB area", a, size, SEED_A);
	check_sparse(s);
	st = child > 0 ? wait_child(child, 60000) : -1;
	if (st < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
		fail("the child forked after the restore found its memory wrong (status 0x%x)", st);
	return test_done();
}
