/* /proc/PID/mountinfo, every line: parsing (pure) apart from reading. No policy. */
#ifndef CRL_PROC_MOUNTINFO_H
#define CRL_PROC_MOUNTINFO_H

#include <stddef.h>
#include <sys/types.h>

struct proc_mount {
	int id, parent;
	unsigned int maj, min;
	/* octal escapes (\040) undone; all point into the list's own copy of the text */
	char *root, *mountpoint;
	char *mopts;	/* per-mount options: "rw,nosuid,relatime" */
	char *optional; /* "shared:1 master:2", or "" */
	char *fstype;	/* "proc", "fuse.sshfs" */
	char *source;
	char *sopts; /* super block options */
};

struct proc_mounts {
	struct proc_mount *m;
	size_t n;
	char *text;
};

/* Parses mountinfo text @buf (copied). 0, -EINVAL (a malformed line), -ENOMEM. */
int proc_parse_mountinfo(const char *buf, struct proc_mounts *out);
/* The same from /proc/@pid/mountinfo (0: the caller's). 0 or -errno. */
int proc_read_mountinfo(pid_t pid, struct proc_mounts *out);
void proc_mounts_free(struct proc_mounts *ms);
/* MS_* flags named in a per-mount option list ("ro,nosuid,nodev,relatime"). */
unsigned long proc_mount_flags(const char *mopts);

#endif
