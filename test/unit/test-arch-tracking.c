/*
 * The arch's dirty-tracking table is complete and self-consistent, its MMU
 * parser reads /proc/cpuinfo samples right, and the memory sizes the arch
 * reports are sane (page size always from sysconf, never assumed).
 */
#include <string.h>
#include <unistd.h>

#include "arch.h"
#include "tap.h"

static bool filled(const char *s)
{
	return s && *s;
}

static bool pow2(unsigned long v)
{
	return v && !(v & (v - 1));
}

static void test_table(const struct arch_tracking_info *ti)
{
	ok(ti != NULL, "arch_tracking_info() is never NULL");
	if (!ti)
		return;
	ok(!strcmp(ti->arch, arch_name()), "table is for %s (arch_name %s)", ti->arch, arch_name());
	for (int i = 0; i < ARCH_TRACKER_NR; i++) {
		const struct arch_tracker_fact *f = &ti->trackers[i];

		ok(filled(f->name) && filled(f->mechanism) && filled(f->caveats) &&
			   filled(f->source),
		   "tracker %d (%s): name, mechanism, caveats and source given", i,
		   f->name ? f->name : "?");
		ok(!f->implemented || f->since_major >= 3, "tracker %s: implemented=%d since %u.%u",
		   f->name ? f->name : "?", f->implemented, f->since_major, f->since_minor);
	}
	ok(!strcmp(ti->trackers[ARCH_TRACKER_SOFT_DIRTY].name, "soft-dirty") &&
		   !strcmp(ti->trackers[ARCH_TRACKER_UFFD_WP].name, "uffd-wp"),
	   "trackers sit at their enum slots");
	ok(ti->trackers[ARCH_TRACKER_SOFT_DIRTY].implemented,
	   "soft-dirty is implemented on every supported arch");
	ok((ti->mmu_parse == NULL) == (ti->mmu_probe == NULL),
	   "MMU parser and probe come together");
}

static void test_mmu(const struct arch_tracking_info *ti)
{
	const char *probed;

	if (!ti->mmu_parse) {
		skip("%s has a single MMU kind: no MMU probe", arch_name());
		return;
	}
	ok(!strcmp(ti->mmu_parse("processor\t: 0\ncpu\t\t: POWER9\nMMU\t\t: Radix\n") ?: "",
		   "radix"),
	   "cpuinfo 'MMU : Radix' reads radix");
	ok(!strcmp(ti->mmu_parse("cpu\t\t: POWER8\ntimebase\t: 512000000\nMMU\t\t: Hash\n") ?: "",
		   "hash"),
	   "cpuinfo 'MMU : Hash' reads hash");
	ok(ti->mmu_parse("cpu\t\t: POWER8\nMMUfoo\t: Hash\n") == NULL && ti->mmu_parse("") == NULL,
	   "no MMU line reads as unknown");
	probed = ti->mmu_probe();
	/* qemu-user shows the host's cpuinfo: no MMU line is a valid answer there. */
	ok(probed == NULL || !strcmp(probed, "hash") || !strcmp(probed, "radix"),
	   "this system's MMU: %s", probed ? probed : "not stated");
}

static void test_sizes(void)
{
	long page = sysconf(_SC_PAGESIZE);
	unsigned long thp = arch_thp_size();

	ok(page > 0 && pow2((unsigned long)page), "page size from sysconf: %ld", page);
	ok(thp == 0 || (pow2(thp) && thp > (unsigned long)page),
	   "transparent huge page size %lu is 0 or a power of two above the page size", thp);
}

int main(void)
{
	const struct arch_tracking_info *ti = arch_tracking_info();

	test_table(ti);
	if (ti)
		test_mmu(ti);
	test_sizes();
	return tap_done();
}
