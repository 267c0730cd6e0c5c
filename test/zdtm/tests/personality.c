/*
 * The execution domain and personality flags survive (the restoring tool's
 * are the defaults): flags that change nothing for a running x86_64 process.
 */
#include <sys/personality.h>

#include "zdtmtst.h"

#define WANT (PER_LINUX | ADDR_NO_RANDOMIZE | SHORT_INODE | WHOLE_SECONDS)

int main(int argc, char **argv)
{
	int now;

	test_init(argc, argv);
	if (personality(WANT) < 0 || personality(0xffffffff) != WANT)
		test_skip("personality 0x%x: %m", WANT);
	test_daemon();
	test_waitsig();
	now = personality(0xffffffff);
	if (now != WANT)
		fail("personality is 0x%x, expected 0x%x", now, WANT);
	return test_done();
}
