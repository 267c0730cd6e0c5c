/* kernel-iface/timens.c: /proc/PID/timens_offsets text as the kernel writes it. */
#include <errno.h>

#include "tap.h"
#include "timens.h"

int main(void)
{
	struct timens_offsets o;

	ok(timens_parse_offsets("monotonic           0         0\n"
				"boottime            0         0\n",
				&o) == 0 &&
		   !o.mono_sec && !o.mono_nsec && !o.boot_sec && !o.boot_nsec,
	   "the tool's own namespace: zero offsets");
	ok(timens_parse_offsets("monotonic        1000         5\n"
				"boottime           -2 999999999\n",
				&o) == 0 &&
		   o.mono_sec == 1000 && o.mono_nsec == 5 && o.boot_sec == -2 &&
		   o.boot_nsec == 999999999,
	   "positive and negative offsets with nanoseconds");
	ok(timens_parse_offsets("1 3 0\n7 4 0\n", &o) == 0 && o.mono_sec == 3 && o.boot_sec == 4,
	   "clocks by id (1 monotonic, 7 boottime)");
	ok(timens_parse_offsets("realtime 1 0\n", &o) == -EINVAL, "an unknown clock: EINVAL");
	ok(timens_parse_offsets("monotonic x 0\n", &o) == -EINVAL, "a bad number: EINVAL");
	ok(timens_parse_offsets("", &o) == -EINVAL, "empty text: EINVAL");
	return tap_done();
}
