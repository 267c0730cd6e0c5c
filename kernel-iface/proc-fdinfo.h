/* /proc/PID/fdinfo/FD: parsing (pure) and reading. No policy. */
#ifndef CRL_PROC_FDINFO_H
#define CRL_PROC_FDINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* One "tfd:" line of an epoll fd. */
struct proc_epoll_tfd {
	int tfd;
	uint32_t events;
	uint64_t data;
	uint64_t pos;
	uint64_t ino;
	unsigned int dev;
};

struct proc_fdinfo {
	unsigned long long pos;
	unsigned int flags;		/* O_* (octal in the file) */
	int mnt_id;
	unsigned long long ino;
	bool has_eventfd;		/* "eventfd-count:" */
	uint64_t eventfd_count;
	bool has_signalfd;		/* "sigmask:" */
	uint64_t sigmask;
	bool has_timerfd;		/* "clockid:" */
	int clockid;
	uint64_t ticks;
	unsigned int settime_flags;
	uint64_t it_value_sec, it_value_nsec, it_interval_sec, it_interval_nsec;
	struct proc_epoll_tfd *tfds;	/* malloc'd, n_tfds entries */
	size_t n_tfds;
	bool is_epoll;			/* at least one tfd line, or the caller knows */
};

/* Parses NUL-terminated fdinfo text into @out (zeroed first). 0, -EINVAL or -ENOMEM. */
int proc_parse_fdinfo(const char *buf, struct proc_fdinfo *out);
/* Reads and parses /proc/@pid/fdinfo/@fd. 0 or -errno. */
int proc_read_fdinfo(pid_t pid, int fd, struct proc_fdinfo *out);
/* Frees tfds. NULL-safe. */
void proc_fdinfo_fini(struct proc_fdinfo *f);

#endif
