/*
 * s390x dirty-tracking facts. A table, not a verdict: run-time validation
 * decides which tracker runs.
 */
#include "arch.h"
#include "proc-misc.h"

/* A table of facts, laid out to be read. */
/* clang-format off */
static const struct arch_tracking_info s390_tracking = {
	.arch = "s390x",
	.trackers = {
		[ARCH_TRACKER_SOFT_DIRTY] = {
			.name = "soft-dirty",
			.implemented = true,
			.since_major = 4,
			.since_minor = 4,
			.mechanism = "software PTE bit _PAGE_SOFT_DIRTY (0x002; segment/PMD bit "
				     "0x4000 for large pages) next to s390's software dirty bit: "
				     "s390 has no hardware dirty bit in the PTE, writes are "
				     "detected by protection faults, and clear_refs 4 re-protects",
			.caveats = "needs CONFIG_MEM_SOFT_DIRTY (Debian 6.1 s390x has it); "
				   "fault-based, so it sees writes through the process page "
				   "tables only; KVM guest migration tracks the separate PGSTE "
				   "user-dirty (UC) bit, which likewise cannot see device/I/O "
				   "writes or writes through other kernel mappings; THP on "
				   "s390 is a 1 MiB segment (none under qemu TCG); seen on Debian "
				   "6.1 under TCG: a page zapped with MADV_DONTNEED and then read "
				   "back (zero page) is not reported",
			.unreliable_mmu = NULL,
			.source = "kernel commit 's390/mm: implement soft-dirty bits for user "
				  "memory change tracking' (about 4.4); seed patch 'KVM: "
				  "s390/mm: use software dirty bit detection for user dirty "
				  "tracking'",
		},
		[ARCH_TRACKER_UFFD_WP] = {
			.name = "uffd-wp",
			.implemented = false,
			.since_major = 0,
			.since_minor = 0,
			.mechanism = "userfaultfd async write-protect + PAGEMAP_SCAN",
			.caveats = "arch/s390 does not select HAVE_ARCH_USERFAULTFD_WP: "
				   "UFFDIO_API offers no UFFD_FEATURE_WP_ASYNC",
			.unreliable_mmu = NULL,
			.source = "kernel arch/*/Kconfig (HAVE_ARCH_USERFAULTFD_WP)",
		},
	},
	.mmu_parse = NULL,
	.mmu_probe = NULL,
};
/* clang-format on */

const struct arch_tracking_info *arch_tracking_info(void)
{
	return &s390_tracking;
}

/* A huge page is one 1 MiB segment; the kernel's word wins when it has one. */
unsigned long arch_thp_size(void)
{
	unsigned long v;

	return proc_read_thp_pmd_size(&v) || !v ? 1UL << 20 : v;
}
