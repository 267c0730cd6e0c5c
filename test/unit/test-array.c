/*
 * kernel-iface/array.c: growth from nothing, contents kept across many
 * reallocations, the implied capacity (reallocation only at 0 and powers of
 * two), overflow refused with the array left as it was.
 */
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "tap.h"

struct rec {
	uint64_t a;
	char tag[24];
};

static void test_from_zero(void)
{
	int *v = NULL;

	ok(ARRAY_GROW(v, 0) == 0 && v, "growth from 0 allocates");
	v[0] = 42;
	ok(ARRAY_GROW(v, 1) == 0 && v[0] == 42, "index 1 after 0 keeps element 0");
	free(v);
}

static void test_many(void)
{
	const size_t nr = 100000;
	struct rec *v = NULL;
	size_t n = 0, bad = 0, moved = 0, short_ = 0;
	int ret = 0;

	while (n < nr) {
		struct rec *before = v;

		ret = ARRAY_GROW(v, n);
		if (ret)
			break;
		/* Between powers of two nothing is reallocated: the room is there. */
		if (n & (n - 1))
			moved += v != before;
		short_ += malloc_usable_size(v) < (n + 1) * sizeof(*v);
		v[n].a = n * 7 + 1;
		memset(v[n].tag, (int)(n & 0x7f), sizeof(v[n].tag));
		n++;
	}
	ok(!ret && n == nr, "%zu pushes succeed", nr);
	ok(moved == 0, "no reallocation between powers of two (%zu)", moved);
	ok(short_ == 0, "the allocation always holds the new index (%zu short)", short_);
	for (size_t i = 0; i < n; i++) {
		char tag[sizeof(v[i].tag)];

		memset(tag, (int)(i & 0x7f), sizeof(tag));
		if (v[i].a != i * 7 + 1 || memcmp(v[i].tag, tag, sizeof(tag)))
			bad++;
	}
	ok(bad == 0, "every pushed element kept its contents (%zu differ)", bad);
	free(v);
}

/* Count lowered, then grown again: the allocation still covers every index. */
static void test_shrink_regrow(void)
{
	size_t n = 0, bad = 0;
	long *v = NULL;
	int ret = 0;

	for (; n < 37 && !ret; n++)
		if (!(ret = ARRAY_GROW(v, n)))
			v[n] = (long)n;
	n = 3;
	for (; n < 70 && !ret; n++)
		if (!(ret = ARRAY_GROW(v, n)))
			v[n] = (long)n;
	for (size_t i = 0; i < n; i++)
		bad += v[i] != (long)i;
	ok(!ret && n == 70 && bad == 0, "lowering the count and growing again keeps contents");
	free(v);
}

static void test_overflow(void)
{
	uint32_t *v = NULL;
	uint32_t *keep;
	void *raw;
	int ret, same = 1;

	for (size_t i = 0; i < 5; i++) {
		ok(ARRAY_GROW(v, i) == 0, "push %zu", i);
		v[i] = 0xc0de0000u + (uint32_t)i;
	}
	keep = v;
	/* 2 * n * 4 overflows size_t: refused whatever n's alignment to a power of two. */
	ret = ARRAY_GROW(v, SIZE_MAX / 4);
	ok(ret == -ENOMEM, "index SIZE_MAX / 4 of 4-byte elements refused (%d)", ret);
	ret = ARRAY_GROW(v, (size_t)1 << (sizeof(size_t) * 8 - 2));
	ok(ret == -ENOMEM, "power-of-two index whose doubling overflows refused (%d)", ret);
	raw = v;
	ret = array_grow(&raw, SIZE_MAX / 2 + 1, 1);
	ok(ret == -ENOMEM && raw == v, "one-byte elements: index above SIZE_MAX / 2 refused (%d)",
	   ret);
	for (size_t i = 0; i < 5; i++)
		same &= v[i] == 0xc0de0000u + (uint32_t)i;
	ok(v == keep && same, "a refused growth leaves the array and its contents unchanged");
	ok(array_grow(&raw, 5, 0) == -EINVAL && raw == keep, "zero element size refused");
	free(v);
}

int main(void)
{
	test_from_zero();
	test_many();
	test_shrink_regrow();
	test_overflow();
	return tap_done();
}
