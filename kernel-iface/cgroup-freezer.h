/*
 * The cgroup freezer of one cgroup directory: v1 (freezer.state: THAWED,
 * FREEZING, FROZEN; Documentation/admin-guide/cgroup-v1/freezer-subsystem.rst)
 * or cgroup2 (cgroup.freeze 0/1, "frozen 1" in cgroup.events once every
 * task is; Documentation/admin-guide/cgroup-v2.rst). No policy.
 */
#ifndef CRL_CGROUP_FREEZER_H
#define CRL_CGROUP_FREEZER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Which interface @dir has: 1 v1, 2 cgroup2; -ENOENT: neither (not a freezer cgroup). */
int freezer_kind(const char *dir);
/* Freezes @dir and waits (up to @timeout_ms) until all its tasks are. 0, -ETIMEDOUT, -errno. */
int freezer_freeze(const char *dir, int timeout_ms);
/* Thaws @dir. 0 or -errno. */
int freezer_thaw(const char *dir);
/* Whether @dir is frozen now (v1 FROZEN or FREEZING, v2 cgroup.freeze 1). */
bool freezer_frozen(const char *dir);
/*
 * The pids of every process in @dir and its descendants' (cgroup.procs,
 * recursively), malloc'd into *@out. 0 or -errno.
 */
int freezer_procs(const char *dir, pid_t **out, size_t *n);

#endif
