/* The process's oom_score_adj survives (the restoring tool's is another). */
#include <stdio.h>

#include "zdtmtst.h"

#define WANT 345

static int get_adj(void)
{
	FILE *f = fopen("/proc/self/oom_score_adj", "r");
	int v = -10000;

	if (!f || fscanf(f, "%d", &v) != 1)
		fail("read /proc/self/oom_score_adj: %m");
	if (f)
		fclose(f);
	return v;
}

int main(int argc, char **argv)
{
	FILE *f;

	test_init(argc, argv);
	f = fopen("/proc/self/oom_score_adj", "w");
	if (!f || fprintf(f, "%d", WANT) < 0 || fclose(f))
		test_skip("cannot write oom_score_adj: %m");
	if (get_adj() != WANT)
		test_skip("oom_score_adj did not take %d", WANT);
	test_daemon();
	test_waitsig();
	if (get_adj() != WANT)
		fail("oom_score_adj is %d, expected %d", get_adj(), WANT);
	return test_done();
}
