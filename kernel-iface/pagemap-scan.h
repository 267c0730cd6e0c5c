/*
 * PAGEMAP_SCAN ioctl on /proc/PID/pagemap (Linux 6.7+,
 * Documentation/admin-guide/mm/pagemap.rst). Debian 12's headers predate it,
 * so the ABI is declared here with the kernel's names. No policy.
 */
#ifndef CRL_PAGEMAP_SCAN_H
#define CRL_PAGEMAP_SCAN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>

#ifndef PAGEMAP_SCAN
struct page_region {
	uint64_t start;
	uint64_t end;
	uint64_t categories;
};

struct pm_scan_arg {
	uint64_t size;
	uint64_t flags;
	uint64_t start;
	uint64_t end;
	uint64_t walk_end;
	uint64_t vec;
	uint64_t vec_len;
	uint64_t max_pages;
	uint64_t category_inverted;
	uint64_t category_mask;
	uint64_t category_anyof_mask;
	uint64_t return_mask;
};

#define PAGEMAP_SCAN _IOWR('f', 16, struct pm_scan_arg)
#endif

#ifndef PAGE_IS_WPALLOWED
#define PAGE_IS_WPALLOWED (1ULL << 0)
#define PAGE_IS_WRITTEN (1ULL << 1)
#define PAGE_IS_FILE (1ULL << 2)
#define PAGE_IS_PRESENT (1ULL << 3)
#define PAGE_IS_SWAPPED (1ULL << 4)
#define PAGE_IS_PFNZERO (1ULL << 5)
#define PAGE_IS_HUGE (1ULL << 6)
#define PAGE_IS_SOFT_DIRTY (1ULL << 7) /* not accepted by 6.7.x: EINVAL */
#endif
#ifndef PAGE_IS_GUARD
#define PAGE_IS_GUARD (1ULL << 8) /* 6.15+ */
#endif

#ifndef PM_SCAN_WP_MATCHING
#define PM_SCAN_WP_MATCHING (1ULL << 0)	  /* write-protect the matched pages */
#define PM_SCAN_CHECK_WPASYNC (1ULL << 1) /* -EPERM on a VMA without async uffd-wp */
#endif

/* One PAGEMAP_SCAN call; returns the number of regions filled or -errno. */
int pagemap_scan(int pagemap_fd, struct pm_scan_arg *arg);

/* What a scan walk looks for, filled by the caller (see pm_scan_arg). */
struct pagemap_scan_query {
	uint64_t flags;			     /* PM_SCAN_* */
	uint64_t inverted, mask, anyof, ret; /* category_* and return_mask */
};

/*
 * Scans [@start, @end) repeatedly (the kernel stops when @vec fills) and calls
 * @cb for each region. A non-zero return of @cb stops the walk and is returned.
 * Returns 0 or -errno (-EPERM: PM_SCAN_CHECK_WPASYNC met a VMA without async
 * uffd-wp; -ENOTTY: no PAGEMAP_SCAN; -EINVAL: an unknown category or flag).
 */
int pagemap_scan_walk(int pagemap_fd, unsigned long start, unsigned long end,
		      const struct pagemap_scan_query *q,
		      int (*cb)(const struct page_region *r, void *arg), void *arg);

/*
 * Does this kernel accept PAGEMAP_SCAN with the categories in @mask (on
 * /proc/self/pagemap)? 0 if so, else -ENOTTY/-ENOSYS (absent, or filtered),
 * -EINVAL (a category unknown to this kernel) or another -errno.
 */
int pagemap_scan_probe(uint64_t mask);

#endif
