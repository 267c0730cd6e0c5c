/*
 * The trackers' self-test on this kernel: uffd-wp, digest and none must
 * validate; soft-dirty (no CONFIG_MEM_SOFT_DIRTY here) must be rejected, by
 * its probe and, with the probe bypassed, by the self-test itself. On a kernel
 * with soft-dirty the last checks flip: it must then validate.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "pagemap-scan.h"
#include "tracker.h"
#include "tap.h"

/* Trackers broken on purpose: the self-test must catch them. */
static int liar_dirty(struct tracker_target *t, unsigned long start, unsigned long end,
		      struct tracker_ranges *out)
{
	return 0;
}

static int eperm_blind_dirty(struct tracker_target *t, unsigned long start, unsigned long end,
			     struct tracker_ranges *out)
{
	int ret = tracker_uffd_wp.dirty(t, start, end, out);

	/* forget that an area was not registered: the rule that protects moved areas */
	if (ret == 0 && out->n && out->v[out->n - 1].start == start &&
	    out->v[out->n - 1].end == end)
		out->n--;
	return ret;
}

int main(void)
{
	struct tracker_ops liar = tracker_none, blind = tracker_uffd_wp;
	struct tracker_verdict v;
	char why[256];
	int ret, sd_probe;

	log_init(LOG_WARN, NULL);
	setenv("CRL_TRACKER_CACHE", "off", 1);

	ret = tracker_validate(&tracker_none, &v);
	ok(ret == 0 && v.validated, "none validates (%s)", v.why);
	ret = tracker_validate(&tracker_digest, &v);
	ok(ret == 0 && v.validated && !strstr(v.why, "unwritten"),
	   "digest validates, precisely (%d: %s)", ret, v.why);

	if (pagemap_scan_probe(PAGE_IS_WRITTEN) == 0) {
		ret = tracker_validate(&tracker_uffd_wp, &v);
		ok(ret == 0 && v.available && v.validated && !strstr(v.why, "unwritten"),
		   "uffd-wp validates, precisely (%d: %s)", ret, v.why);
	} else {
		skip("uffd-wp: no PAGEMAP_SCAN on this kernel");
	}

	liar.name = "liar";
	liar.dirty = liar_dirty;
	ret = tracker_validate(&liar, &v);
	printf("# liar: %s\n", v.why);
	ok(ret == -EOPNOTSUPP && strstr(v.why, "write after start") &&
		   strstr(v.why, "mremap move onto") && !strstr(v.why, "mremap move,"),
	   "a tracker reporting nothing is rejected; the VMA diff alone catches moves");
	if (pagemap_scan_probe(PAGE_IS_WRITTEN) == 0) {
		blind.dirty = eperm_blind_dirty;
		ret = tracker_validate(&blind, &v);
		printf("# uffd-wp blind to unregistered areas: %s\n", v.why);
		ok(ret == -EOPNOTSUPP && strstr(v.why, "mremap move onto an area of the same kind"),
		   "uffd-wp without the unregistered-area rule is rejected");
	}

	ret = tracker_validate(&tracker_soft_dirty, &v);
	sd_probe = v.available;
	printf("# soft-dirty: available=%d validated=%d: %s\n", v.available, v.validated, v.why);
	ret = tracker_validate_cases(&tracker_soft_dirty, &v);
	printf("# soft-dirty self-test alone: %d: %s\n", ret, v.why);
	if (!sd_probe) {
		ok(ret == -EOPNOTSUPP && !v.validated && strstr(v.why, "write after start"),
		   "without the probe, the self-test rejects soft-dirty itself");
		ok(strstr(v.why, "bit 55") != NULL, "and says why in plain words");
		ret = tracker_select("soft-dirty", &(const struct tracker_ops *){NULL}, why,
				     sizeof(why));
		ok(ret == -EOPNOTSUPP && strstr(why, "refused"),
		   "forcing soft-dirty is refused: %s", why);
	} else {
		ok(ret == 0 && v.validated, "soft-dirty kernel: the self-test passes (%s)", v.why);
	}
	return tap_done();
}
