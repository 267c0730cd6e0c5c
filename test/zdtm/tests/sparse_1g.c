/*
 * A 1 GiB MAP_NORESERVE mapping with a few touched pages: the touched pages
 * keep their contents and the untouched ones stay unpopulated and zero.
 */
#include <string.h>
#include <sys/mman.h>

#include "zdtmtst.h"

#define SIZE (1UL << 30)
#define STRIDE (32UL << 20) /* one touched page every 32 MiB */

int main(int argc, char **argv)
{
	size_t ps = page_size(), off, resident = 0, i;
	unsigned char *vec;
	char *m, *zero;

	test_init(argc, argv);
	m = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		 -1, 0);
	zero = mmap(NULL, ps, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	vec = mmap(NULL, SIZE / ps, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (m == MAP_FAILED || zero == MAP_FAILED || vec == MAP_FAILED)
		test_skip("mmap 1 GiB: %m");
	madvise(m, SIZE, MADV_NOHUGEPAGE);
	for (off = 0; off < SIZE; off += STRIDE)
		mem_fill(m + off + ps, ps, off / STRIDE);
	test_daemon();
	test_waitsig();

	if (mincore(m, SIZE, vec))
		fail("mincore: %m");
	for (i = 0; i < SIZE / ps; i++)
		resident += vec[i] & 1;
	if (resident > 2 * (SIZE / STRIDE))
		fail("%zu pages resident after restore, at most %lu were touched", resident,
		     SIZE / STRIDE);
	for (off = 0; off < SIZE; off += STRIDE) {
		mem_check("touched page", m + off + ps, ps, off / STRIDE);
		if (memcmp(m + off + 2 * ps, zero, ps))
			fail("untouched page at %p is not zero", m + off + 2 * ps);
	}
	return test_done();
}
