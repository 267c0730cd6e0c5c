/*
 * /proc/PID/cgroup (parsing apart from reading) and where each cgroup
 * hierarchy is mounted (cgroup(7): "hierarchy-ID:controller-list:path";
 * cgroup2's line is "0::/path"). No policy.
 */
#ifndef CRL_PROC_CGROUP_H
#define CRL_PROC_CGROUP_H

#include <stddef.h>
#include <sys/types.h>

#include "proc-mountinfo.h"

struct proc_cgroup {
	int hier;    /* hierarchy id; 0 for cgroup2 */
	char *ctrls; /* "cpu,cpuacct", "name=systemd"; "" for cgroup2 */
	char *path;  /* "/a/b", as the reader's cgroup namespace sees it */
};

struct proc_cgroups {
	struct proc_cgroup *c;
	size_t n;
	char *text;
};

/* Parses /proc/PID/cgroup text @buf (copied). 0, -EINVAL (a malformed line), -ENOMEM. */
int proc_parse_cgroup(const char *buf, struct proc_cgroups *out);
/* The same from /proc/@pid/cgroup (0: the caller's). 0 or -errno. */
int proc_read_cgroup(pid_t pid, struct proc_cgroups *out);
void proc_cgroups_free(struct proc_cgroups *cs);
/* The entry of @cs for hierarchy @ctrls, or NULL. */
const struct proc_cgroup *proc_cgroup_find(const struct proc_cgroups *cs, const char *ctrls);

/*
 * The mount point, in @ms, of the hierarchy holding exactly the controllers
 * @ctrls ("" for cgroup2), mounted at its root. 0, -ENOENT, -ENAMETOOLONG.
 */
int cgroup_mount_of(const struct proc_mounts *ms, const char *ctrls, char *out, size_t len);

#endif
