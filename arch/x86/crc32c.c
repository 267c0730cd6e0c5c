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
 *
 * Where the CPU has VPCLMULQDQ (Ice Lake, Zen 3 and later) with AVX2, buffers
 * of 256 bytes or more are folded instead: eight 128-bit lanes (four ymm
 * registers, 128 bytes) each carry a running remainder that is multiplied
 * forward over the next 1024 bits with carry-less multiplies and combined
 * with the data there; at the end the lanes are folded into one 128-bit
 * value whose CRC the crc32 instruction takes. For reflected CRCs, folding
 * a 128-bit value X = (lo, hi) over d bits is clmul(lo, K1) ^ clmul(hi, K2)
 * with K1 = (x^(d+32) mod P) << 1 and K2 = (x^(d-32) mod P) << 1, bit
 * reflected; the constants are computed at start, not tabled.
 */
#include <immintrin.h>
#include <nmmintrin.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#include "crc32c.h"

#define CRC_BLK 1360 /* bytes per stream: 3 x 1360 + 16 = one 4 KiB page */

#define CRC32C_POLY 0x82F63B78u

static uint32_t shift_tab[4][256];
static bool have_sse42, have_fold;
static uint64_t k1024[2], k256[2], k128[2]; /* fold constants: {lo, hi} per distance */
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

/* x^@n mod P as a reflected register: "1" (bit 31) run through @n zero bits. */
static uint32_t xpow_mod(unsigned int n)
{
	uint32_t c = 0x80000000u;

	while (n--)
		c = (c >> 1) ^ (CRC32C_POLY & (0u - (c & 1)));
	return c;
}

static void fold_consts(uint64_t k[2], unsigned int bits)
{
	k[0] = (uint64_t)xpow_mod(bits + 32) << 1;
	k[1] = (uint64_t)xpow_mod(bits - 32) << 1;
}

static void hw_init(void)
{
	static const uint8_t zeros[CRC_BLK];
	uint32_t bit[32];

	__builtin_cpu_init();
	have_sse42 = __builtin_cpu_supports("sse4.2");
	if (!have_sse42)
		return;
	have_fold = __builtin_cpu_supports("vpclmulqdq") && __builtin_cpu_supports("avx2") &&
		    __builtin_cpu_supports("pclmul");
	fold_consts(k1024, 1024);
	fold_consts(k256, 256);
	fold_consts(k128, 128);
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

#define FOLD_TARGET __attribute__((target("vpclmulqdq,pclmul,avx2,sse4.2")))

FOLD_TARGET static inline __m256i fold256(__m256i x, __m256i k, __m256i data)
{
	return _mm256_xor_si256(_mm256_xor_si256(_mm256_clmulepi64_epi128(x, k, 0x00),
						 _mm256_clmulepi64_epi128(x, k, 0x11)),
				data);
}

FOLD_TARGET static inline __m256i load256(const uint8_t *p)
{
	return _mm256_loadu_si256((const __m256i *)(const void *)p);
}

/* @len >= 256. */
FOLD_TARGET static uint32_t fold_crc(uint32_t crc, const uint8_t *p, size_t len)
{
	const __m256i kb = _mm256_set_epi64x((long long)k1024[1], (long long)k1024[0],
					     (long long)k1024[1], (long long)k1024[0]);
	const __m256i kl = _mm256_set_epi64x((long long)k256[1], (long long)k256[0],
					     (long long)k256[1], (long long)k256[0]);
	const __m128i kx = _mm_set_epi64x((long long)k128[1], (long long)k128[0]);
	__m256i y0 = load256(p), y1 = load256(p + 32), y2 = load256(p + 64), y3 = load256(p + 96);
	__m128i x, lo, hi;
	uint64_t c;

	y0 = _mm256_xor_si256(y0, _mm256_set_epi64x(0, 0, 0, (long long)(uint32_t)~crc));
	for (p += 128, len -= 128; len >= 128; p += 128, len -= 128) {
		y0 = fold256(y0, kb, load256(p));
		y1 = fold256(y1, kb, load256(p + 32));
		y2 = fold256(y2, kb, load256(p + 64));
		y3 = fold256(y3, kb, load256(p + 96));
	}
	y1 = fold256(y0, kl, y1);
	y2 = fold256(y1, kl, y2);
	y3 = fold256(y2, kl, y3);
	lo = _mm256_castsi256_si128(y3);
	hi = _mm256_extracti128_si256(y3, 1);
	x = _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(lo, kx, 0x00),
					_mm_clmulepi64_si128(lo, kx, 0x11)),
			  hi);
	c = _mm_crc32_u64(0, (uint64_t)_mm_cvtsi128_si64(x));
	c = _mm_crc32_u64(c, (uint64_t)_mm_extract_epi64(x, 1));
	return ~hw_raw((uint32_t)c, p, len);
}

uint32_t arch_crc32c(uint32_t crc, const void *buf, size_t len)
{
	pthread_once(&hw_once, hw_init);
	if (have_fold && len >= 256)
		return fold_crc(crc, buf, len);
	return have_sse42 ? hw_crc(crc, buf, len) : crc32c_sw(crc, buf, len);
}

static uint32_t crc_stream(uint32_t crc, const void *buf, size_t len)
{
	return hw_crc(crc, buf, len);
}

static uint32_t crc_fold(uint32_t crc, const void *buf, size_t len)
{
	return len >= 256 ? fold_crc(crc, buf, len) : hw_crc(crc, buf, len);
}

size_t arch_crc32c_paths(const struct arch_crc32c_path **out)
{
	static const struct arch_crc32c_path paths[] = {
		{"vpclmulqdq fold", crc_fold},
		{"sse4.2 x3", crc_stream},
		{"portable", crc32c_sw},
	};

	pthread_once(&hw_once, hw_init);
	*out = paths + (have_fold ? 0 : have_sse42 ? 1 : 2);
	return have_fold ? 3 : have_sse42 ? 2 : 1;
}

const char *arch_crc32c_impl(void)
{
	pthread_once(&hw_once, hw_init);
	if (have_fold)
		return "vpclmulqdq fold";
	return have_sse42 ? "sse4.2 x3" : "portable";
}
