/*
 * Ambient capabilities survive: the test puts CAP_NET_RAW and CAP_SYS_NICE
 * in its inheritable set, raises both into the ambient set and checks
 * PR_CAP_AMBIENT_IS_SET for each (and that no other is set) after restore.
 * With locked=1 it then sets SECBIT_NO_CAP_AMBIENT_RAISE, which forbids
 * raising ambient capabilities: restore must raise them before the bit.
 */
#include <linux/securebits.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "zdtmtst.h"

static const int amb[] = {CAP_NET_RAW, CAP_SYS_NICE};
#define NR_AMB (int)(sizeof(amb) / sizeof(amb[0]))

static int is_amb(int cap)
{
	for (int i = 0; i < NR_AMB; i++)
		if (amb[i] == cap)
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];
	int last = 40, i;

	test_init(argc, argv);
	if (syscall(SYS_capget, &h, d))
		fail("capget: %m");
	for (i = 0; i < NR_AMB; i++) {
		if (!(d[0].permitted & (1u << amb[i])))
			test_skip("capability %d not permitted", amb[i]);
		d[0].inheritable |= 1u << amb[i];
	}
	if (syscall(SYS_capset, &h, d))
		test_skip("capset (inheritable): %m");
	for (i = 0; i < NR_AMB; i++)
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, amb[i], 0, 0))
			test_skip("PR_CAP_AMBIENT_RAISE %d: %m", amb[i]);
	while (prctl(PR_CAPBSET_READ, last + 1, 0, 0, 0) >= 0)
		last++;
	if (test_arg_long("locked", 0) &&
	    prctl(PR_SET_SECUREBITS, SECBIT_NO_CAP_AMBIENT_RAISE, 0, 0, 0))
		test_skip("PR_SET_SECUREBITS NO_CAP_AMBIENT_RAISE: %m");
	test_daemon();
	test_waitsig();

	if (test_arg_long("locked", 0) &&
	    prctl(PR_GET_SECUREBITS, 0, 0, 0, 0) != SECBIT_NO_CAP_AMBIENT_RAISE)
		fail("securebits 0x%x after restore, expected 0x%x",
		     prctl(PR_GET_SECUREBITS, 0, 0, 0, 0), SECBIT_NO_CAP_AMBIENT_RAISE);
	for (i = 0; i <= last; i++) {
		int r = prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, i, 0, 0);

		if (r != is_amb(i))
			fail("ambient capability %d: IS_SET says %d, expected %d", i, r, is_amb(i));
	}
	return test_done();
}
