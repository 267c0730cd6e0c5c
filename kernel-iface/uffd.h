/*
 * userfaultfd for write tracking (Documentation/admin-guide/mm/userfaultfd.rst):
 * async write-protect mode (UFFD_FEATURE_WP_ASYNC, 6.7+; arm64 6.10+), where a
 * write to a protected page is resolved by the kernel itself and only clears
 * the page's uffd-wp bit, which PAGEMAP_SCAN reports as PAGE_IS_WRITTEN.
 * Also pidfd_open/pidfd_getfd to take a uffd created inside another process.
 * No policy.
 */
#ifndef CRL_UFFD_H
#define CRL_UFFD_H

#include <stdint.h>
#include <sys/types.h>
#include <linux/userfaultfd.h>

/* Newer than Debian 12's headers (kernel names and values). */
#ifndef UFFD_FEATURE_WP_UNPOPULATED
#define UFFD_FEATURE_WP_UNPOPULATED (1ULL << 13) /* none PTEs count as protected */
#endif
#ifndef UFFD_FEATURE_WP_ASYNC
#define UFFD_FEATURE_WP_ASYNC (1ULL << 15) /* kernel resolves WP faults */
#endif

/* What a write tracker asks of UFFDIO_API. */
#define UFFD_TRACK_FEATURES (UFFD_FEATURE_WP_ASYNC | UFFD_FEATURE_WP_UNPOPULATED)

/*
 * Lazy restore (missing mode): the non-cooperative events a server needs to
 * follow the restored process's own changes of its address space, else a
 * fork, mremap or madvise(DONTNEED) would drop or move registered ranges
 * behind its back (Documentation/admin-guide/mm/userfaultfd.rst).
 */
#define UFFD_LAZY_FEATURES                                                                         \
	(UFFD_FEATURE_EVENT_FORK | UFFD_FEATURE_EVENT_REMAP | UFFD_FEATURE_EVENT_REMOVE |          \
	 UFFD_FEATURE_EVENT_UNMAP)

/* userfaultfd(@flags) in this process; returns the fd or -errno. */
int uffd_open(int flags);
/*
 * UFFDIO_API asking for @features. *@got (may be NULL) receives what the
 * kernel offers. -EINVAL when a feature is missing (the fd is then useless).
 */
int uffd_api(int uffd, uint64_t features, uint64_t *got);
/* UFFDIO_REGISTER [@start, @start+@len) in write-protect mode. 0 or -errno. */
int uffd_register_wp(int uffd, unsigned long start, unsigned long len);
/*
 * UFFDIO_WRITEPROTECT [@start, @start+@len): @wp protects, !@wp removes the
 * protection and wakes the threads blocked on a write fault in the range
 * (synchronous write-protect mode). 0 or -errno.
 */
int uffd_writeprotect(int uffd, unsigned long start, unsigned long len, int wp);
/*
 * Reads up to @max messages (nonblocking fd): their number, 0 when none is
 * pending, or -errno.
 */
int uffd_read_msgs(int uffd, struct uffd_msg *msgs, int max);
/* UFFDIO_REGISTER [@start, @start+@len) in missing mode. 0 or -errno. */
int uffd_register_missing(int uffd, unsigned long start, unsigned long len);
/*
 * UFFDIO_COPY @len bytes from @src to @dst, waking the faulting threads. On
 * failure *@done holds the bytes copied before it (a page already present
 * stops the copy: -EEXIST; the address space changing: -EAGAIN; the mm gone:
 * -ESRCH). 0 or -errno.
 */
int uffd_copy(int uffd, unsigned long dst, const void *src, unsigned long len, unsigned long *done);
/* UFFDIO_ZEROPAGE over [@dst, @dst+@len), waking. 0 or -errno (as uffd_copy). */
int uffd_zeropage(int uffd, unsigned long dst, unsigned long len);
/* UFFDIO_WAKE over [@start, @start+@len). 0 or -errno. */
int uffd_wake(int uffd, unsigned long start, unsigned long len);
/* UFFDIO_UNREGISTER; 0 or -errno. */
int uffd_unregister(int uffd, unsigned long start, unsigned long len);

/*
 * pidfd_open + pidfd_getfd: a copy of fd @fd of process @pid in this process
 * (O_CLOEXEC). Needs ptrace-attach rights. fd or -errno.
 */
int uffd_steal_fd(pid_t pid, int fd);

/* Is @fd (in this process) a userfaultfd? 1, 0, or -errno. */
int uffd_is_uffd(int fd);

#endif
