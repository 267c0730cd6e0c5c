/* /proc/PID/pagemap reading (Documentation/admin-guide/mm/pagemap.rst). No policy. */
#ifndef CRL_PAGEMAP_H
#define CRL_PAGEMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PME_PRESENT (1ULL << 63)
#define PME_SWAP (1ULL << 62)
#define PME_FILE (1ULL << 61)  /* file page or shared anon */
#define PME_GUARD (1ULL << 58) /* guard region, 6.15+ */
#define PME_UFFD_WP (1ULL << 57)
#define PME_EXCLUSIVE (1ULL << 56)
#define PME_SOFT_DIRTY (1ULL << 55) /* always 0 without CONFIG_MEM_SOFT_DIRTY */
#define PME_PFN_MASK ((1ULL << 55) - 1)

/* Opens /proc/@pid/pagemap O_RDONLY|O_CLOEXEC; returns the fd or -errno. */
int pagemap_open(pid_t pid);
/*
 * Reads the entries of @nr_pages pages starting at address @start (page
 * aligned) into @out; retries short reads. -EIO on unexpected EOF. 0 or -errno.
 */
int pagemap_read(int fd, unsigned long start, size_t nr_pages, uint64_t *out);
/*
 * Calls @cb for each maximal run of pages in [@start, @end) whose entry has any
 * bit of @mask set; reads in chunks of 64K entries. A non-zero return of @cb
 * stops the walk and is returned. 0 or -errno.
 */
int pagemap_for_each_run(int fd, unsigned long start, unsigned long end, uint64_t mask,
			 int (*cb)(unsigned long start, unsigned long end, void *arg), void *arg);

#endif
