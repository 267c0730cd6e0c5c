/* The task name set with PR_SET_NAME survives, in every thread-free task. */
#include <string.h>
#include <sys/prctl.h>

#include "zdtmtst.h"

int main(int argc, char **argv)
{
	char name[17] = "";

	test_init(argc, argv);
	if (prctl(PR_SET_NAME, "zdtm-renamed"))
		fail("PR_SET_NAME: %m");
	test_daemon();
	test_waitsig();
	if (prctl(PR_GET_NAME, name))
		fail("PR_GET_NAME: %m");
	else if (strcmp(name, "zdtm-renamed"))
		fail("comm is '%s', expected 'zdtm-renamed'", name);
	return test_done();
}
