/*
 * arch/: CRC32C against published check values, the arch fast path against
 * the portable code on random buffers of every length and alignment around
 * the fast path's block boundaries, and chaining (crc of A then B == crc of
 * A|B). A throughput line is printed as a TAP comment, never checked.
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

static void test_random(void)
{
	size_t max = 3 * 65536 + 64, bad = 0, bad_chain = 0, cases = 0;
	uint8_t *buf = malloc(max);

	srand(18);
	for (size_t i = 0; i < max; i++)
		buf[i] = (uint8_t)rand();
	/* every length up to 3 blocks + change, at 8 alignments, then big ones */
	for (size_t len = 0; len < 3 * 1360 + 40; len++)
		for (size_t a = 0; a < 8; a++, cases++)
			bad += arch_crc32c(0, buf + a, len) != crc32c_sw(0, buf + a, len);
	for (size_t len = 4096; len <= 3 * 65536; len += 4093, cases++) {
		size_t cut = (size_t)rand() % len;
		uint32_t whole = arch_crc32c(0, buf + 3, len);

		bad += whole != crc32c_sw(0, buf + 3, len);
		bad_chain += arch_crc32c(arch_crc32c(0, buf + 3, cut), buf + 3 + cut, len - cut) !=
			     whole;
	}
	ok(!bad, "%s equals the portable code on %zu random buffers (%zu differ)",
	   arch_crc32c_impl(), cases, bad);
	ok(!bad_chain, "chained crc equals the crc of the whole (%zu differ)", bad_chain);
	free(buf);
}

static double secs(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void report_speed(void)
{
	size_t len = 64u << 20;
	uint8_t *buf = malloc(len);
	volatile uint32_t sink = 0;
	double t;

	memset(buf, 0x5a, len);
	t = secs();
	for (size_t off = 0; off < len; off += 4096)
		sink ^= arch_crc32c(0, buf + off, 4096);
	t = secs() - t;
	printf("# %s: %.0f MB/s per 4 KiB page\n", arch_crc32c_impl(), (double)len / t / 1e6);
	t = secs();
	sink ^= crc32c_sw(0, buf, len);
	t = secs() - t;
	printf("# portable: %.0f MB/s\n", (double)len / t / 1e6);
	(void)sink;
	free(buf);
}

int main(void)
{
	test_vectors();
	test_random();
	report_speed();
	return tap_done();
}
