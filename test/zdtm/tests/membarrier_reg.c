/*
 * membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED): after restore,
 * MEMBARRIER_CMD_PRIVATE_EXPEDITED succeeds without registering again (an
 * unregistered process gets EPERM).
 */
#include <errno.h>
#include <linux/membarrier.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "zdtmtst.h"

static int membarrier(int cmd)
{
	return (int)syscall(SYS_membarrier, cmd, 0, -1);
}

int main(int argc, char **argv)
{
	int q;

	test_init(argc, argv);
	q = membarrier(MEMBARRIER_CMD_QUERY);
	if (q < 0 || !(q & MEMBARRIER_CMD_PRIVATE_EXPEDITED))
		test_skip("membarrier private expedited not supported (query %d: %m)", q);
	if (membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED))
		test_skip("register private expedited: %m");
	if (membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED))
		test_skip("private expedited right after registering: %m");
	test_daemon();
	test_waitsig();

	if (membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED))
		fail("MEMBARRIER_CMD_PRIVATE_EXPEDITED after restore: %m (registration lost)");
	return test_done();
}
