/* The process-wide transparent huge page opt-out (PR_SET_THP_DISABLE) survives. */
#include <sys/prctl.h>

#include "zdtmtst.h"

int main(int argc, char **argv)
{
	int r;

	test_init(argc, argv);
	if (prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0))
		test_skip("PR_SET_THP_DISABLE: %m");
	test_daemon();
	test_waitsig();
	r = prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0);
	if (r < 0)
		fail("PR_GET_THP_DISABLE: %m");
	else if (r != 1)
		fail("PR_GET_THP_DISABLE gives %d, expected 1", r);
	return test_done();
}
