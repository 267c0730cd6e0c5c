/*
 * Capabilities survive: one dropped from the bounding set, one cleared from
 * the effective set (still permitted), and no_new_privs.
 */
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "zdtmtst.h"

static int caps(struct __user_cap_data_struct d[2], int set)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};

	return syscall(set ? SYS_capset : SYS_capget, &h, d);
}

int main(int argc, char **argv)
{
	struct __user_cap_data_struct d[2];

	test_init(argc, argv);
	if (caps(d, 0) || !(d[0].effective & (1U << CAP_NET_RAW)))
		test_skip("needs CAP_NET_RAW to start with");
	if (prctl(PR_CAPBSET_DROP, CAP_SYS_BOOT, 0, 0, 0))
		fail("PR_CAPBSET_DROP: %m");
	d[0].effective &= ~(1U << CAP_NET_RAW);
	if (caps(d, 1))
		fail("capset: %m");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		fail("PR_SET_NO_NEW_PRIVS: %m");
	test_daemon();
	test_waitsig();

	if (prctl(PR_CAPBSET_READ, CAP_SYS_BOOT, 0, 0, 0) != 0)
		fail("CAP_SYS_BOOT is back in the bounding set");
	if (prctl(PR_CAPBSET_READ, CAP_KILL, 0, 0, 0) != 1)
		fail("CAP_KILL left the bounding set");
	if (caps(d, 0))
		fail("capget: %m");
	else if (d[0].effective & (1U << CAP_NET_RAW))
		fail("CAP_NET_RAW is effective again");
	else if (!(d[0].permitted & (1U << CAP_NET_RAW)))
		fail("CAP_NET_RAW is no longer permitted");
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		fail("no_new_privs was cleared");
	return test_done();
}
