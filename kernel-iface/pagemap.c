/* /proc/PID/pagemap: one u64 per virtual page (Documentation/admin-guide/mm/pagemap.rst). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "pagemap.h"

#define PAGEMAP_CHUNK (64 * 1024) /* entries per read in pagemap_for_each_run() */

int pagemap_open(pid_t pid)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/pagemap", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static unsigned long pagemap_page_size(void)
{
	return sysconf(_SC_PAGESIZE);
}

int pagemap_read(int fd, unsigned long start, size_t nr_pages, uint64_t *out)
{
	unsigned long psz = pagemap_page_size();
	size_t want = nr_pages * sizeof(uint64_t), done = 0;
	off_t off;
	ssize_t r;

	if (start % psz)
		return -EINVAL;
	off = (off_t)(start / psz) * sizeof(uint64_t);
	while (done < want) {
		r = pread(fd, (char *)out + done, want - done, off + done);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -EIO;
		done += r;
	}
	return 0;
}

int pagemap_for_each_run(int fd, unsigned long start, unsigned long end, uint64_t mask,
			 int (*cb)(unsigned long start, unsigned long end, void *arg), void *arg)
{
	unsigned long psz = pagemap_page_size(), addr, run = 0;
	bool in_run = false;
	size_t nr, i;
	uint64_t *buf;
	int ret = 0;

	if (start % psz || end % psz || end < start)
		return -EINVAL;
	/* No bigger than the range: first touches of fresh memory are slow on some hosts. */
	nr = (end - start) / psz;
	buf = malloc((nr < PAGEMAP_CHUNK ? (nr ? nr : 1) : PAGEMAP_CHUNK) * sizeof(*buf));
	if (!buf)
		return -ENOMEM;
	for (addr = start; addr < end && !ret;) {
		nr = (end - addr) / psz;
		if (nr > PAGEMAP_CHUNK)
			nr = PAGEMAP_CHUNK;
		ret = pagemap_read(fd, addr, nr, buf);
		for (i = 0; i < nr && !ret; i++, addr += psz) {
			bool hit = buf[i] & mask;

			if (hit && !in_run) {
				run = addr;
				in_run = true;
			} else if (!hit && in_run) {
				in_run = false;
				ret = cb(run, addr, arg);
			}
		}
	}
	if (!ret && in_run)
		ret = cb(run, end, arg);
	free(buf);
	return ret;
}
