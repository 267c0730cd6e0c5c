/* Resource limits survive, soft and hard. */
#include <sys/resource.h>

#include "zdtmtst.h"

static const struct {
	int res;
	const char *name;
	rlim_t soft, hard;
} lims[] = {
	{RLIMIT_NOFILE, "NOFILE", 1000, 1010},		 {RLIMIT_CORE, "CORE", 0, 1 << 20},
	{RLIMIT_STACK, "STACK", 4 << 20, RLIM_INFINITY}, {RLIMIT_NPROC, "NPROC", 10000, 20000},
	{RLIMIT_MSGQUEUE, "MSGQUEUE", 4096, 8192},
};

#define NR (int)(sizeof(lims) / sizeof(lims[0]))

int main(int argc, char **argv)
{
	struct rlimit r;
	int i;

	test_init(argc, argv);
	for (i = 0; i < NR; i++) {
		r.rlim_cur = lims[i].soft;
		r.rlim_max = lims[i].hard;
		if (setrlimit(lims[i].res, &r))
			fail("setrlimit(%s): %m", lims[i].name);
	}
	test_daemon();
	test_waitsig();

	for (i = 0; i < NR; i++) {
		getrlimit(lims[i].res, &r);
		if (r.rlim_cur != lims[i].soft || r.rlim_max != lims[i].hard)
			fail("RLIMIT_%s is %llu/%llu, expected %llu/%llu", lims[i].name,
			     (unsigned long long)r.rlim_cur, (unsigned long long)r.rlim_max,
			     (unsigned long long)lims[i].soft, (unsigned long long)lims[i].hard);
	}
	return test_done();
}
