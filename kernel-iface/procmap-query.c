#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "procmap-query.h"

/* include/uapi/linux/fs.h, Linux 6.11 */
struct crl_procmap_query {
	uint64_t size;
	uint64_t query_flags;
	uint64_t query_addr;
	uint64_t vma_start;
	uint64_t vma_end;
	uint64_t vma_flags;
	uint64_t vma_page_size;
	uint64_t vma_offset;
	uint64_t inode;
	uint32_t dev_major;
	uint32_t dev_minor;
	uint32_t vma_name_size;
	uint32_t build_id_size;
	uint64_t vma_name_addr;
	uint64_t build_id_addr;
};

#define CRL_PROCMAP_QUERY _IOWR('f', 17, struct crl_procmap_query)

static int query(int fd, struct crl_procmap_query *q)
{
	if (!ioctl(fd, CRL_PROCMAP_QUERY, q))
		return 0;
	return errno == ENOTTY ? -EOPNOTSUPP : -errno;
}

int procmap_query(pid_t tid, unsigned long addr, struct procmap_vma *out)
{
	struct crl_procmap_query q;
	char path[64];
	int fd, ret;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	memset(&q, 0, sizeof(q));
	memset(out, 0, sizeof(*out));
	q.size = sizeof(q);
	q.query_addr = addr;
	q.vma_name_size = sizeof(out->name);
	q.vma_name_addr = (uint64_t)(uintptr_t)out->name;
	ret = query(fd, &q);
	if (ret == -ENAMETOOLONG) {
		/* A name that does not fit: the bounds alone. */
		q.vma_name_size = 0;
		q.vma_name_addr = 0;
		ret = query(fd, &q);
		out->name[0] = 0;
	}
	close(fd);
	if (ret)
		return ret;
	out->start = (unsigned long)q.vma_start;
	out->end = (unsigned long)q.vma_end;
	out->name[sizeof(out->name) - 1] = 0;
	return 0;
}
