/* The "none" tracker: every page is always changed, so every dump is full. */
#include "tracker.h"

static int none_probe(char *why, size_t len)
{
	return 0;
}

static int none_nop(struct tracker_target *t)
{
	return 0;
}

static int none_dirty(struct tracker_target *t, unsigned long start, unsigned long end,
		      struct tracker_ranges *out)
{
	return tracker_ranges_add(out, start, end);
}

static void none_stop(struct tracker_target *t, bool final, int *late)
{
}

const struct tracker_ops tracker_none = {
	.name = "none",
	.what = "no tracking: every dump writes all memory",
	.caps = TRACKER_CAP_ANY_KERNEL,
	.probe = none_probe,
	.start = none_nop,
	.attach = none_nop,
	.dirty = none_dirty,
	.reset = none_nop,
	.stop = none_stop,
};
