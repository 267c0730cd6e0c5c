/*
 * CRC32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of
 * page images (docs/image-format.md "Page checksums"). Same convention as
 * zlib's crc32(): pass 0 to start, the previous result to continue; the
 * value of "123456789" is 0xE3069283.
 *
 * arch_crc32c is the architecture's fast path (x86_64: VPCLMULQDQ folding,
 * or the SSE4.2 crc32 instruction in three streams; elsewhere the portable
 * code);
 * crc32c_sw is the portable table code every arch falls back to. Both give
 * the same result for every input (the unit test compares them).
 */
#ifndef CRL_ARCH_CRC32C_H
#define CRL_ARCH_CRC32C_H

#include <stddef.h>
#include <stdint.h>

uint32_t arch_crc32c(uint32_t crc, const void *buf, size_t len);
/* What arch_crc32c runs on this machine, e.g. "sse4.2 x3" or "portable". */
const char *arch_crc32c_impl(void);

uint32_t crc32c_sw(uint32_t crc, const void *buf, size_t len);

/* Every code path this machine can run, best first (for the unit test and benchmarks). */
struct arch_crc32c_path {
	const char *name;
	uint32_t (*fn)(uint32_t crc, const void *buf, size_t len);
};
size_t arch_crc32c_paths(const struct arch_crc32c_path **out);

#endif
