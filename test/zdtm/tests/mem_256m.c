/* 256 MiB of patterned anonymous memory survives intact (checked word by word). */
#include <sys/mman.h>

#include "zdtmtst.h"

#define SIZE (256UL << 20)

int main(int argc, char **argv)
{
	uint64_t sum;
	char *m;

	test_init(argc, argv);
	/* MAP_POPULATE: first touch of single pages is slow on these VMs. */
	m = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1,
		 0);
	if (m == MAP_FAILED)
		test_skip("mmap 256 MiB: %m");
	mem_fill(m, SIZE, 256);
	sum = cksum64(m, 1 << 20);
	test_daemon();
	test_waitsig();

	if (!mem_check("256 MiB area", m, SIZE, 256) && cksum64(m, 1 << 20) != sum)
		fail("checksum of the first MiB changed");
	return test_done();
}
