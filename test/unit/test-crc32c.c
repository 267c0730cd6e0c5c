/*
 * arch/: CRC32C against published check values ("123456789", RFC 3720), every
 * code path this machine runs (x86_64: VPCLMULQDQ folding, SSE4.2 streams,
 * portable) against the portable code on random buffers of every length and
 * alignment around the fast paths' block boundaries, and chaining (crc of A
 * then B == crc of A|B). Throughputs are printed as TAP comments, never
 * checked.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crc32c.h"
#include "tap.h"

static void test_vectors(void)
{
	static const uint8_t zeros[32], ones[32] = {[0 ... 31] = 0xff};
	uint8_t inc[32];

	for (int i = 0; i < 32; i++)
		inc[i] = (uint8_t)i;
	ok(crc32c_sw(0, "123456789", 9) == 0xE3069283, "portable: \"123456789\" -> 0xE3069283");
	ok(arch_crc32c(0, "123456789", 9) == 0xE3069283, "%s: \"123456789\" -> 0xE3069283",
	   arch_crc32c_impl());
	/* RFC 3720 (iSCSI) appendix B.4 test vectors. */
	ok(arch_crc32c(0, zeros, 32) == 0x8A9136AA && crc32c_sw(0, zeros, 32) == 0x8A9136AA,
	   "32 zero bytes -> 0x8A9136AA");
	ok(arch_crc32c(0, ones, 32) == 0x62A8AB43 && crc32c_sw(0, ones, 32) == 0x62A8AB43,
	   "32 0xff bytes -> 0x62A8AB43");
	ok(arch_crc32c(0, inc, 32) == 0x46DD794E && crc32c_sw(0, inc, 32) == 0x46DD794E,
	   "bytes 0..31 -> 0x46DD794E");
	ok(arch_crc32c(0, "", 0) == 0 && crc32c_sw(0x1234, "", 0) == 0x1234,
	   "empty input leaves the crc as it was");
}

/* Every path against the portable code (the fast ones cut buffers at 256 and 3 x 1360 bytes). */
static void test_random(const struct arch_crc32c_path *pa)
{
	size_t max = 3 * 65536 + 64, bad = 0, bad_chain = 0, cases = 0;
	uint8_t *buf = malloc(max);

	srand(18);
	for (size_t i = 0; i < max; i++)
		buf[i] = (uint8_t)rand();
	for (size_t len = 0; len < 3 * 1360 + 40; len++)
		for (size_t a = 0; a < 8; a++, cases++)
			bad += pa->fn(0, buf + a, len) != crc32c_sw(0, buf + a, len);
	for (size_t len = 4096; len <= 3 * 65536; len += 4093, cases++) {
		size_t cut = (size_t)rand() % len;
		uint32_t whole = pa->fn(0, buf + 3, len);

		bad += whole != crc32c_sw(0, buf + 3, len);
		bad_chain += pa->fn(pa->fn(0, buf + 3, cut), buf + 3 + cut, len - cut) != whole;
	}
	ok(pa->fn(0, "123456789", 9) == 0xE3069283 && !bad,
	   "%s: check value, and equal to the portable code on %zu random buffers (%zu differ)",
	   pa->name, cases, bad);
	ok(!bad_chain, "%s: chained crc equals the crc of the whole (%zu differ)", pa->name,
	   bad_chain);
	free(buf);
}

static double secs(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Throughput of every path in one run, page by page (a TAP comment, never checked). */
static void report_speed(const struct arch_crc32c_path *paths, size_t n)
{
	size_t len = 64u << 20;
	uint8_t *buf = malloc(len);
	volatile uint32_t sink = 0;

	memset(buf, 0x5a, len);
	for (int rep = 0; rep < 2; rep++)
		for (size_t k = 0; k < n; k++) {
			size_t l = paths[k].fn == crc32c_sw ? len / 8 : len;
			double t = secs();

			for (size_t off = 0; off < l; off += 4096)
				sink ^= paths[k].fn(0, buf + off, 4096);
			t = secs() - t;
			printf("# %s: %.0f MB/s per 4 KiB page\n", paths[k].name,
			       (double)l / t / 1e6);
		}
	(void)sink;
	free(buf);
}

int main(void)
{
	const struct arch_crc32c_path *paths;
	size_t n = arch_crc32c_paths(&paths);

	test_vectors();
	for (size_t k = 0; k < n; k++)
		test_random(&paths[k]);
	ok(!strcmp(paths[0].name, arch_crc32c_impl()) || n == 1,
	   "arch_crc32c runs the best path (%s)", arch_crc32c_impl());
	report_speed(paths, n);
	return tap_done();
}
