/* Small /proc readers: auxv, links, posix timers, comm, boot id; THP size from sysfs. No policy. */
#ifndef CRL_PROC_MISC_H
#define CRL_PROC_MISC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Reads /proc/@pid/auxv as raw u64 words, including the terminating AT_NULL
 * pair, into @auxv (room for @max words). -E2BIG if it does not fit. 0 or -errno.
 */
int proc_read_auxv(pid_t pid, uint64_t *auxv, size_t max, size_t *n);
/*
 * readlink of /proc/@pid/@what ("exe", "cwd", "root", "fd/3"); NUL-terminated.
 * -ENAMETOOLONG if @len is too small. 0 or -errno.
 */
int proc_readlink(pid_t pid, const char *what, char *buf, size_t len);

struct proc_posix_timer {
	int id;
	int signo;
	uint64_t sigev_value;
	int notify;	  /* SIGEV_SIGNAL, SIGEV_THREAD_ID (with SIGEV_SIGNAL bit), SIGEV_NONE */
	pid_t notify_tid; /* for thread / signal: the pid/tid of the notify line */
	int clock_id;
};

/* Parses /proc/PID/timers text; *out malloc'd (NULL when *n == 0). 0, -EINVAL, -ENOMEM. */
int proc_parse_timers(const char *buf, struct proc_posix_timer **out, size_t *n);
int proc_read_timers(pid_t pid, struct proc_posix_timer **out, size_t *n);
/* comm of @pid (or of thread @tid when != 0), trailing newline removed. 0 or -errno. */
int proc_read_comm(pid_t pid, pid_t tid, char *buf, size_t len);
/* /proc/sys/kernel/random/boot_id without the newline (36 chars + NUL). 0 or -errno. */
int proc_read_boot_id(char *buf, size_t len);
/*
 * /sys/kernel/mm/transparent_hugepage/hpage_pmd_size: the THP (PMD) size in
 * bytes; -ENOENT without THP support. 0 or -errno.
 */
int proc_read_thp_pmd_size(unsigned long *out);
/* vm.max_map_count: the most mappings one process may have. 0 or -errno. */
int proc_read_max_map_count(unsigned long *out);
/*
 * The audit login uid of @pid (/proc/PID/loginuid; 4294967295 when unset);
 * -ENOENT without CONFIG_AUDIT. 0 or -errno.
 */
int proc_read_loginuid(pid_t pid, uint32_t *out);
/*
 * The mount point (octal escapes undone) of the first line of mountinfo text
 * @buf whose device is @maj:@min, into @out. 0, -ENOENT, -ENAMETOOLONG, -EINVAL.
 */
int proc_parse_mountinfo_dev(const char *buf, unsigned int maj, unsigned int min, char *out,
			     size_t len);
/* The same from /proc/@pid/mountinfo. 0 or -errno. */
int proc_read_mount_of_dev(pid_t pid, unsigned int maj, unsigned int min, char *out, size_t len);
/* The mount point of mount @mnt_id in mountinfo text @buf. 0, -ENOENT, -ENAMETOOLONG, -EINVAL. */
int proc_parse_mountinfo_id(const char *buf, int mnt_id, char *out, size_t len);
/* The same from /proc/@pid/mountinfo. 0 or -errno. */
int proc_read_mount_of_id(pid_t pid, int mnt_id, char *out, size_t len);

#endif
