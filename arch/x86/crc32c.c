/*
 * CRC32C on x86_64 with the SSE4.2 crc32 instruction (Nehalem and later,
 * every AMD64 CPU since Bulldozer), checked at run time; the portable code
 * otherwise.
 *
 * One crc32q depends on the previous one (3 cycles of latency, one issued
 * per cycle), so a single stream runs at a third of the unit's speed. Long
 * buffers are cut into blocks of 3 x CRC_BLK bytes whose thirds run as three
 * independent streams, then combined: for raw CRC registers,
 * crc(x, A|B) = shift(crc(x, A), |B|) ^ crc(0, B), where shift() runs |B|
 * zero bytes through the register. shift() by the fixed CRC_BLK is linear in
 * the 32-bit register, so it is four lookups in tables built once at start.
 */
#include <nmmintrin.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#include "crc32c.h"

#define CRC_BLK 1360 /* bytes per stream: 3 x 1360 + 16 = one 4 KiB page */

static uint32_t shift_tab[4][256];
static bool have_sse42;
static pthread_once_t hw_once = PTHREAD_ONCE_INIT;

static inline uint64_t load64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* Raw register (no pre/post inversion) through @len bytes, one stream. */
__attribute__((target("sse4.2"))) static uint32_t hw_raw(uint32_t c, const uint8_t *p, size_t len)
{
	uint64_t c64 = c;

	for (; len >= 8; len -= 8, p += 8)
		c64 = _mm_crc32_u64(c64, load64(p));
	c = (uint32_t)c64;
	while (len--)
		c = _mm_crc32_u8(c, *p++);
	return c;
}

static uint32_t shift_blk(uint32_t c)
{
	return shift_tab[0][c & 0xff] ^ shift_tab[1][(c >> 8) & 0xff] ^
	       shift_tab[2][(c >> 16) & 0xff] ^ shift_tab[3][c >> 24];
}

static void hw_init(void)
{
	static const uint8_t zeros[CRC_BLK];
	uint32_t bit[32];

	__builtin_cpu_init();
	have_sse42 = __builtin_cpu_supports("sse4.2");
	if (!have_sse42)
		return;
	for (int i = 0; i < 32; i++)
		bit[i] = hw_raw(1u << i, zeros, CRC_BLK);
	for (int t = 0; t < 4; t++)
		for (uint32_t b = 0; b < 256; b++) {
			uint32_t v = 0;

			for (int j = 0; j < 8; j++)
				if (b & (1u << j))
					v ^= bit[t * 8 + j];
			shift_tab[t][b] = v;
		}
}

__attribute__((target("sse4.2"))) static uint32_t hw_crc(uint32_t crc, const uint8_t *p, size_t len)
{
	uint32_t c = ~crc;

	for (; len >= 3 * CRC_BLK; len -= 3 * CRC_BLK, p += 3 * CRC_BLK) {
		uint64_t a = c, b = 0, d = 0;

		for (size_t i = 0; i < CRC_BLK; i += 8) {
			a = _mm_crc32_u64(a, load64(p + i));
			b = _mm_crc32_u64(b, load64(p + CRC_BLK + i));
			d = _mm_crc32_u64(d, load64(p + 2 * CRC_BLK + i));
		}
		c = shift_blk((uint32_t)a) ^ (uint32_t)b;
		c = shift_blk(c) ^ (uint32_t)d;
	}
	return ~hw_raw(c, p, len);
}

uint32_t arch_crc32c(uint32_t crc, const void *buf, size_t len)
{
	pthread_once(&hw_once, hw_init);
	return have_sse42 ? hw_crc(crc, buf, len) : crc32c_sw(crc, buf, len);
}

const char *arch_crc32c_impl(void)
{
	pthread_once(&hw_once, hw_init);
	return have_sse42 ? "sse4.2 x3" : "portable";
}
