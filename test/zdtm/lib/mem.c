/* zdtm memory helpers: seeded patterns, verification, checksums. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "zdtmtst.h"

/* splitmix64 finalizer: cheap, and every word differs from its neighbours. */
static inline uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

uint64_t mem_pattern_word(uint64_t seed, uint64_t idx)
{
	return mix(seed * 0x100000001b3ULL + idx);
}

void mem_fill(void *p, size_t len, uint64_t seed)
{
	uint64_t *w = p;
	size_t i, n = len / 8;
	uint64_t last;

	for (i = 0; i < n; i++)
		w[i] = mem_pattern_word(seed, i);
	if (len % 8) {
		last = mem_pattern_word(seed, n);
		memcpy((char *)p + n * 8, &last, len % 8);
	}
}

const void *mem_verify(const void *p, size_t len, uint64_t seed)
{
	const uint64_t *w = p;
	size_t i, n = len / 8, b;
	uint64_t want;

	for (i = 0; i < n; i++) {
		want = mem_pattern_word(seed, i);
		if (w[i] == want)
			continue;
		for (b = 0; b < 8; b++)
			if (((const char *)&w[i])[b] != ((const char *)&want)[b])
				return (const char *)&w[i] + b;
	}
	if (len % 8) {
		want = mem_pattern_word(seed, n);
		for (b = 0; b < len % 8; b++)
			if (((const char *)p)[n * 8 + b] != ((const char *)&want)[b])
				return (const char *)p + n * 8 + b;
	}
	return NULL;
}

int mem_check(const char *what, const void *p, size_t len, uint64_t seed)
{
	const unsigned char *bad = mem_verify(p, len, seed);
	size_t off, idx;
	uint64_t want;

	if (!bad)
		return 0;
	off = bad - (const unsigned char *)p;
	idx = off / 8;
	want = mem_pattern_word(seed, idx);
	fail("%s: first difference at %p (offset 0x%zx of %zu bytes, page %zu): "
	     "byte 0x%02x, expected 0x%02x",
	     what, (const void *)bad, off, len, off / page_size(), *bad,
	     ((const unsigned char *)&want)[off % 8]);
	return -1;
}

uint32_t crc32_buf(uint32_t crc, const void *p, size_t len)
{
	const unsigned char *b = p;
	size_t i;
	int k;

	crc = ~crc;
	for (i = 0; i < len; i++) {
		crc ^= b[i];
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320U & -(crc & 1));
	}
	return ~crc;
}

uint64_t cksum64(const void *p, size_t len)
{
	const unsigned char *b = p;
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h;
}

uint64_t rnd64(uint64_t *state)
{
	*state += 0x9e3779b97f4a7c15ULL;
	return mix(*state);
}

size_t page_size(void)
{
	static size_t ps;

	if (!ps)
		ps = sysconf(_SC_PAGESIZE);
	return ps;
}
