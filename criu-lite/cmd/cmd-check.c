/*
 * criu-lite check: what this kernel offers for incremental dumps. Prints each
 * write tracker with its probe and self-test verdict in plain words, what the
 * arch table expects, which one --tracker=auto picks, and the tool's own
 * capabilities (whether dump and restore may run as this caller). As criu, it
 * ends with "Looks good." (exit 0) when dump and restore may run; --extra
 * (--all) adds criu's feature names criu-lite uses, and --feature NAME answers
 * one (check-features.c).
 */
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "arch.h"
#include "caps.h"
#include "check-features.h"
#include "cmd.h"
#include "tracker.h"

static const char *yes_no(bool b)
{
	return b ? "yes" : "no";
}

static void check_tracker(const struct tracker_ops *ops, const struct tracker_ops **pick)
{
	struct tracker_verdict v;
	int ret;

	memset(&v, 0, sizeof(v));
	ret = tracker_verdict(ops, &v);
	if (!ret && !v.available) /* explain with the self-test where it can run */
		tracker_validate(ops, &v);
	if (ret && !v.why[0])
		snprintf(v.why, sizeof(v.why), "self-test could not run: %s", strerror(-ret));
	printf("%-11s %-10s %-10s %s%s\n", ops->name, yes_no(v.available), yes_no(v.validated),
	       v.why, v.cached ? " (cached)" : "");
	if (!*pick && v.validated)
		*pick = ops;
}

int cmd_check(const struct opts *o)
{
	const struct tracker_ops *pick = NULL, *forced;
	struct utsname u;
	char why[512];
	int missing = 0;

	if (o->check_feature)
		return check_feature(o->check_feature);

	uname(&u);
	printf("kernel      %s %s\n", u.sysname, u.release);
	printf("arch        %s (machine %s)\n", arch_name(), u.machine);
	printf("page size   %ld\n\n", sysconf(_SC_PAGESIZE));
	caps_print(o);
	printf("\n");
	printf("%-11s %-10s %-10s %s\n", "tracker", "available", "validated", "why / notes");
	for (int i = 0; tracker_all[i]; i++)
		check_tracker(tracker_all[i], &pick);
	printf("\nexpected on this arch and kernel:\n");
	for (int i = 0; tracker_all[i]; i++)
		printf("  %-11s %s\n", tracker_all[i]->name, tracker_arch_expect(tracker_all[i]));
	printf("\n--tracker=auto picks: %s\n", pick ? pick->name : "(none)");
	if (o->tracker && strcmp(o->tracker, "auto")) {
		if (tracker_select(o->tracker, &forced, why, sizeof(why)))
			printf("--tracker=%s: %s\n", o->tracker, why);
		else
			printf("--tracker=%s: accepted\n", o->tracker);
	}
	if (!caps_allowed(o)) {
		printf("\nDoes not look good.\n");
		return 1;
	}
	if (o->check_extra) {
		printf("\n");
		missing = check_extra_features();
	}
	printf("\n%s\n",
	       missing ? "Looks good but some features are missing, which may make a dump "
			 "or restore of some trees fail."
		       : "Looks good.");
	return missing;
}
