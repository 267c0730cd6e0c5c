/* Real/effective/saved gids and the supplementary groups survive (uid stays 0). */
#include <grp.h>
#include <unistd.h>

#include "zdtmtst.h"

static const gid_t groups[] = {5, 100, 4242, 65000};

#define NR (int)(sizeof(groups) / sizeof(groups[0]))

int main(int argc, char **argv)
{
	gid_t r, e, s, now[64];
	int n, i;

	test_init(argc, argv);
	if (getuid() != 0)
		test_skip("needs root to set groups");
	if (setgroups(NR, groups) || setresgid(1001, 1002, 1003))
		fail("setgroups/setresgid: %m");
	test_daemon();
	test_waitsig();

	if (getresgid(&r, &e, &s) || r != 1001 || e != 1002 || s != 1003)
		fail("gids are %u/%u/%u, expected 1001/1002/1003", r, e, s);
	n = getgroups(64, now);
	if (n != NR)
		fail("%d supplementary groups, expected %d", n, NR);
	for (i = 0; n == NR && i < NR; i++)
		if (now[i] != groups[i])
			fail("group %d is %u, expected %u", i, now[i], groups[i]);
	return test_done();
}
