/*
 * ppc64 (book3s64) dirty-tracking facts and the MMU probe they depend on.
 * A table, not a verdict: run-time validation decides which tracker runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "proc-misc.h"

/*
 * /proc/cpuinfo on book3s64 carries a line "MMU\t\t: Hash" or
 * "MMU\t\t: Radix" (POWER9 and later default to radix; POWER8 and
 * `-cpu POWER8` guests are hash).
 */
static const char *ppc64_mmu_parse(const char *cpuinfo)
{
	const char *line = cpuinfo;

	while (line && *line) {
		const char *colon;

		if (!strncmp(line, "MMU", 3) &&
		    (line[3] == ' ' || line[3] == '\t' || line[3] == ':')) {
			colon = strchr(line, ':');
			if (colon) {
				colon++;
				colon += strspn(colon, " \t");
				if (!strncmp(colon, "Radix", 5))
					return "radix";
				if (!strncmp(colon, "Hash", 4))
					return "hash";
			}
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return NULL;
}

static const char *ppc64_mmu_probe(void)
{
	static char buf[16384];
	FILE *f = fopen("/proc/cpuinfo", "re");
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return ppc64_mmu_parse(buf);
}

/* A table of facts, laid out to be read. */
/* clang-format off */
static const struct arch_tracking_info ppc64_tracking = {
	.arch = "ppc64le",
	.trackers = {
		[ARCH_TRACKER_SOFT_DIRTY] = {
			.name = "soft-dirty",
			.implemented = true,
			.since_major = 4,
			.since_minor = 5,
			.mechanism = "book3s64 hash PTE software bit _PAGE_SOFT_DIRTY (0x20000 in "
				     "the seed patch), set when a write fault makes the PTE dirty; "
				     "swap PTEs keep it in a bit placed right after the swap type "
				     "bits; clear_refs 4 write-protects the PTEs",
			.caveats = "needs CONFIG_MEM_SOFT_DIRTY (Debian 6.1 ppc64el has it); "
				   "known unreliable on the radix MMU (POWER9+) in some kernels, "
				   "fine on hash (POWER8, or -cpu POWER8 under qemu; Debian 6.1 "
				   "radix passed the self-test too); THP on hash "
				   "with 64 KiB pages is 16 MiB, so one write dirties 16 MiB; "
				   "pagemap has one entry per 64 KiB page on Debian kernels",
			.unreliable_mmu = "radix",
			.source = "seed patch 'powerpc/mm: Add page soft dirty tracking' "
				  "(about 4.5: HAVE_ARCH_SOFT_DIRTY if CHECKPOINT_RESTORE && "
				  "PPC_BOOK3S)",
		},
		[ARCH_TRACKER_UFFD_WP] = {
			.name = "uffd-wp",
			.implemented = false,
			.since_major = 0,
			.since_minor = 0,
			.mechanism = "userfaultfd async write-protect + PAGEMAP_SCAN",
			.caveats = "arch/powerpc does not select HAVE_ARCH_USERFAULTFD_WP (x86_64 "
				   "since 5.7, arm64 since 6.10 do): UFFDIO_API offers no "
				   "UFFD_FEATURE_WP_ASYNC; PAGEMAP_SCAN (6.7+) still reports "
				   "present/soft-dirty pages",
			.unreliable_mmu = NULL,
			.source = "kernel arch/*/Kconfig (HAVE_ARCH_USERFAULTFD_WP); "
				  "Documentation/admin-guide/mm/userfaultfd.rst",
		},
	},
	.mmu_parse = ppc64_mmu_parse,
	.mmu_probe = ppc64_mmu_probe,
};
/* clang-format on */

const struct arch_tracking_info *arch_tracking_info(void)
{
	return &ppc64_tracking;
}

/*
 * The PMD size depends on the MMU and base page size (hash + 64 KiB pages:
 * 16 MiB; radix: 2 MiB), so ask the kernel; no THP support reads as 0.
 */
unsigned long arch_thp_size(void)
{
	unsigned long v;

	return proc_read_thp_pmd_size(&v) ? 0 : v;
}
