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

/*
 * One "inotify wd:" line (fs/notify/fdinfo.c): the watch descriptor, the
 * watched inode and its superblock's device (kernel encoding), the mask the
 * user set (event bits and IN_EXCL_UNLINK-like flags), and the inode's file
 * handle (for open_by_handle_at). Every number but the handle is hex.
 */
struct proc_inotify_wd {
	int wd;
	uint64_t ino;
	unsigned int sdev;
	uint32_t mask, ignored_mask;
	unsigned int fh_bytes; /* 0: the kernel showed no handle */
	int fh_type;
	unsigned char fh[128]; /* MAX_HANDLE_SZ */
};

/*
 * One fanotify mark line: an inode mark ("fanotify ino:... sdev:..." with
 * a file handle like inotify's), a mount mark ("fanotify mnt_id:...") or a
 * filesystem mark ("fanotify sdev:..."); mflags holds the user-visible mark
 * flags (FAN_MARK_IGNORED_SURV_MODIFY...). Hex, like the kernel prints it.
 */
enum proc_fan_mark_kind { PROC_FAN_INODE, PROC_FAN_MOUNT, PROC_FAN_SB };
struct proc_fanotify_mark {
	enum proc_fan_mark_kind kind;
	int mnt_id;   /* PROC_FAN_MOUNT */
	uint64_t ino; /* PROC_FAN_INODE */
	unsigned int sdev;
	uint32_t mflags, mask, ignored_mask;
	unsigned int fh_bytes;
	int fh_type;
	unsigned char fh[128];
};

/* Kind of a "lock:" line (fs/locks.c lock_get_status). */
enum proc_lock_kind {
	PROC_LOCK_POSIX, /* "POSIX": owned by the files table (process) */
	PROC_LOCK_OFD,	 /* "OFDLCK": owned by the open file description */
	PROC_LOCK_FLOCK, /* "FLOCK": owned by the open file description */
	PROC_LOCK_LEASE, /* "LEASE" or "DELEG" */
	PROC_LOCK_OTHER, /* "ACCESS", "UNKNOWN" */
};

/*
 * One "lock:" line of fdinfo, same text as a /proc/locks line:
 * "ID: KIND MODE TYPE PID MAJ:MIN:INO START END" (END "EOF" or an offset).
 */
struct proc_lock {
	enum proc_lock_kind kind;
	bool advisory; /* MODE "ADVISORY" (else MANDATORY, or a lease state) */
	bool write;    /* TYPE "WRITE" (else READ; UNLCK is refused) */
	int pid;       /* -1 for OFD locks */
	unsigned int maj, min;
	unsigned long long ino;
	long long start;
	long long end; /* inclusive; -1 for "EOF" */
	char text[96]; /* the line from KIND on, for messages */
};

struct proc_fdinfo {
	unsigned long long pos;
	unsigned int flags; /* O_* (octal in the file) */
	int mnt_id;
	unsigned long long ino;
	bool has_eventfd; /* "eventfd-count:" */
	uint64_t eventfd_count;
	bool has_signalfd; /* "sigmask:" */
	uint64_t sigmask;
	bool has_timerfd; /* "clockid:" */
	int clockid;
	uint64_t ticks;
	unsigned int settime_flags;
	uint64_t it_value_sec, it_value_nsec, it_interval_sec, it_interval_nsec;
	struct proc_epoll_tfd *tfds; /* malloc'd, n_tfds entries */
	size_t n_tfds;
	bool is_epoll;		 /* at least one tfd line, or the caller knows */
	bool has_pidfd;		 /* "Pid:" (a pidfd) */
	int pidfd_pid;		 /* -1: the process was reaped */
	struct proc_lock *locks; /* malloc'd, n_locks entries ("lock:" lines) */
	size_t n_locks;
	struct proc_inotify_wd *iwds; /* malloc'd, n_iwds entries ("inotify wd:" lines) */
	size_t n_iwds;
	bool has_fanotify; /* "fanotify flags:" */
	uint32_t fan_flags, fan_event_flags;
	struct proc_fanotify_mark *fmarks; /* malloc'd, n_fmarks entries */
	size_t n_fmarks;
};

/* Parses the value of one "lock:" line (or a /proc/locks line). 0 or -EINVAL. */
int proc_parse_lock(const char *val, struct proc_lock *out);

/* Parses one "inotify wd:" line. 0 or -EINVAL. */
int proc_parse_inotify_wd(const char *line, struct proc_inotify_wd *out);

/* Parses one fanotify mark line ("fanotify ino:", "mnt_id:", "sdev:"). 0 or -EINVAL. */
int proc_parse_fanotify_mark(const char *line, struct proc_fanotify_mark *out);

/* Parses NUL-terminated fdinfo text into @out (zeroed first). 0, -EINVAL or -ENOMEM. */
int proc_parse_fdinfo(const char *buf, struct proc_fdinfo *out);
/* Reads and parses /proc/@pid/fdinfo/@fd. 0 or -errno. */
int proc_read_fdinfo(pid_t pid, int fd, struct proc_fdinfo *out);
/* Frees tfds, locks and inotify watches. NULL-safe. */
void proc_fdinfo_fini(struct proc_fdinfo *f);

#endif
