/*
 * PROCMAP_QUERY (Linux 6.11): the one VMA covering an address, asked of
 * /proc/PID/maps with an ioctl instead of reading every line. No policy.
 */
#ifndef CRL_PROCMAP_QUERY_H
#define CRL_PROCMAP_QUERY_H

#include <stddef.h>
#include <sys/types.h>

struct procmap_vma {
	unsigned long start, end;
	char name[64]; /* "[vdso]", a file's path (cut to fit), "" for anonymous memory */
};

/*
 * The VMA of task @tid covering @addr. 0, -ENOENT (no VMA there),
 * -EOPNOTSUPP (a kernel without PROCMAP_QUERY) or -errno.
 */
int procmap_query(pid_t tid, unsigned long addr, struct procmap_vma *out);

#endif
