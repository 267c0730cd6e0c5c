/* PAGEMAP_SCAN ioctl wrappers. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "pagemap-scan.h"

#define PMS_VEC_LEN 512

int pagemap_scan(int pagemap_fd, struct pm_scan_arg *arg)
{
	int n;

	arg->size = sizeof(*arg);
	n = ioctl(pagemap_fd, PAGEMAP_SCAN, arg);
	return n < 0 ? -errno : n;
}

int pagemap_scan_walk(int pagemap_fd, unsigned long start, unsigned long end,
		      const struct pagemap_scan_query *q,
		      int (*cb)(const struct page_region *r, void *arg), void *arg)
{
	struct page_region vec[PMS_VEC_LEN];
	struct pm_scan_arg a;

	while (start < end) {
		int n, i, ret;

		memset(&a, 0, sizeof(a));
		a.flags = q->flags;
		a.start = start;
		a.end = end;
		a.vec = (uintptr_t)vec;
		a.vec_len = PMS_VEC_LEN;
		a.category_inverted = q->inverted;
		a.category_mask = q->mask;
		a.category_anyof_mask = q->anyof;
		a.return_mask = q->ret;
		n = pagemap_scan(pagemap_fd, &a);
		if (n < 0)
			return n;
		for (i = 0; i < n; i++) {
			ret = cb(&vec[i], arg);
			if (ret)
				return ret;
		}
		/* walk_end is where the kernel stopped; it never goes backwards. */
		if (a.walk_end <= start)
			return -EIO;
		start = a.walk_end;
	}
	return 0;
}

int pagemap_scan_probe(uint64_t mask)
{
	struct page_region r;
	struct pm_scan_arg a;
	static char page[1] = {1}; /* .data: always mapped */
	long psz = sysconf(_SC_PAGESIZE);
	int fd, n;

	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	memset(&a, 0, sizeof(a));
	a.start = (uintptr_t)page & ~(uintptr_t)(psz - 1);
	a.end = a.start + psz;
	a.vec = (uintptr_t)&r;
	a.vec_len = 1;
	a.category_anyof_mask = mask;
	a.return_mask = mask;
	n = pagemap_scan(fd, &a);
	close(fd);
	return n < 0 ? n : 0;
}
