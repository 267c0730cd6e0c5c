/* The file creation mask survives checkpoint/restore. */
#include <sys/stat.h>

#include "zdtmtst.h"

int main(int argc, char **argv)
{
	mode_t m;

	test_init(argc, argv);
	umask(0247);
	test_daemon();
	test_waitsig();
	m = umask(0);
	if (m != 0247)
		fail("umask is %04o, expected 0247", m);
	return test_done();
}
