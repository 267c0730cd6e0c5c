/*
 * CRC32C on arches without a fast path of their own (ppc64, s390x): the
 * portable table code. The vector CRC instructions (POWER8 vpmsumd, z13
 * VGFM) would be faster; not done yet (docs/arch.md).
 */
#include "crc32c.h"

uint32_t arch_crc32c(uint32_t crc, const void *buf, size_t len)
{
	return crc32c_sw(crc, buf, len);
}

const char *arch_crc32c_impl(void)
{
	return "portable";
}

size_t arch_crc32c_paths(const struct arch_crc32c_path **out)
{
	static const struct arch_crc32c_path paths[] = {{"portable", crc32c_sw}};

	*out = paths;
	return 1;
}
