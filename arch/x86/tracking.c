/*
 * x86_64 dirty-tracking facts. A table, not a verdict: `criu-lite check`
 * prints it next to the run-time validation, and the validation decides.
 */
#include "arch.h"

/* A table of facts, laid out to be read. */
/* clang-format off */
static const struct arch_tracking_info x86_tracking = {
	.arch = "x86_64",
	.trackers = {
		[ARCH_TRACKER_SOFT_DIRTY] = {
			.name = "soft-dirty",
			.implemented = true,
			.since_major = 3,
			.since_minor = 11,
			.mechanism = "software PTE bit _PAGE_SOFT_DIRTY (bit 11), set with the "
				     "hardware dirty bit; clear_refs 4 write-protects the PTEs so "
				     "the next write faults and sets it again; swap PTEs keep a "
				     "copy of the bit",
			.caveats = "needs CONFIG_MEM_SOFT_DIRTY (not set on this project's 6.18 "
				   "dev kernel: bit 55 reads 0 forever); THP: one write dirties "
				   "the whole 2 MiB page; new, grown or re-mapped VMAs read all "
				   "dirty (VM_SOFTDIRTY); past kernels lost the bit on swap-out, "
				   "THP migration and mprotect ro->rw (all fixed)",
			.unreliable_mmu = NULL,
			.source = "kernel commit 'mm: soft-dirty bits for user memory changes "
				  "tracking' (3.11); Documentation/admin-guide/mm/soft-dirty.rst",
		},
		[ARCH_TRACKER_UFFD_WP] = {
			.name = "uffd-wp",
			.implemented = true,
			.since_major = 6,
			.since_minor = 7,
			.mechanism = "userfaultfd write-protect in async mode "
				     "(UFFD_FEATURE_WP_ASYNC) read and re-armed with the "
				     "PAGEMAP_SCAN ioctl (PM_SCAN_WP_MATCHING, PAGE_IS_WRITTEN)",
			.caveats = "uffd-wp itself since 5.7 (HAVE_ARCH_USERFAULTFD_WP), async "
				   "mode and PAGEMAP_SCAN since 6.7; VMAs created after "
				   "registration are not tracked; ranges without "
				   "PAGE_IS_WPALLOWED must be taken as wholly changed",
			.unreliable_mmu = NULL,
			.source = "Documentation/admin-guide/mm/userfaultfd.rst, "
				  "Documentation/admin-guide/mm/pagemap.rst (6.7)",
		},
	},
	.mmu_parse = NULL,
	.mmu_probe = NULL,
};
/* clang-format on */

const struct arch_tracking_info *arch_tracking_info(void)
{
	return &x86_tracking;
}
