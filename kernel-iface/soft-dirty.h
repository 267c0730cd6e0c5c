/*
 * Soft-dirty bits (Documentation/admin-guide/mm/soft-dirty.rst): writing "4"
 * to /proc/PID/clear_refs clears them (and write-protects the PTEs); bit 55 of
 * each pagemap entry is set by the next write. Needs CONFIG_MEM_SOFT_DIRTY:
 * without it clear_refs still succeeds and the bit stays 0 forever, so callers
 * must validate before trusting an all-clean answer. No policy.
 */
#ifndef CRL_SOFT_DIRTY_H
#define CRL_SOFT_DIRTY_H

#include <sys/types.h>

/* echo 4 > /proc/@pid/clear_refs (@pid 0: self). 0 or -errno. */
int soft_dirty_clear(pid_t pid);

#endif
