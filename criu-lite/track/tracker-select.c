/*
 * Which tracker a command uses: the best that validates (auto), or the one
 * named, refused when its verdict (tracker-cache.c) is negative.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "tracker.h"

int tracker_select(const char *name, const struct tracker_ops **out, char *why, size_t len)
{
	struct tracker_verdict v;
	const struct tracker_ops *ops;

	*out = NULL;
	if (!name || !strcmp(name, "auto")) {
		for (int i = 0; tracker_all[i]; i++) {
			if (tracker_verdict(tracker_all[i], &v) == 0 && v.validated) {
				*out = tracker_all[i];
				return 0;
			}
			pr_info("tracker %s not used: %s\n", tracker_all[i]->name, v.why);
		}
		snprintf(why, len, "no tracker validated");
		return -EOPNOTSUPP;
	}
	ops = tracker_by_name(name);
	if (!ops) {
		snprintf(why, len,
			 "unknown tracker \"%s\" (auto, soft-dirty, uffd-wp, digest, none)", name);
		return -EINVAL;
	}
	if (tracker_verdict(ops, &v) || !v.validated) {
		snprintf(why, len, "tracker %s refused: %s", name, v.why);
		return -EOPNOTSUPP;
	}
	*out = ops;
	return 0;
}
