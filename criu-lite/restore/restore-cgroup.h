/*
 * The tree's cgroups on restore (restore-cgroup.c: the plan and the moves;
 * restore-cgroup-dirs.c: directories and properties per --manage-cgroups).
 */
#ifndef CRL_RESTORE_CGROUP_H
#define CRL_RESTORE_CGROUP_H

#include <stdbool.h>
#include <stddef.h>

#include "cgroup.pb-c.h"
#include "proc-cgroup.h"

struct rst_ctx;
struct rst_task;

/* Reads cgroup.img when the dump has one. Logs. */
int rst_cg_read(struct rst_ctx *c);
/* Before any process exists: directories, properties, each task's moves. Logs. */
int rst_cg_prepare(struct rst_ctx *c);
/*
 * In new process @i: enters its cgroups (@ns_root: the root's cgroup
 * namespace's root, before it unshares). No log: -errno, the file in *@what.
 */
int rst_cg_enter(const struct rst_ctx *c, size_t i, bool ns_root, const char **what);
/* The root owned its cgroup namespace (members carry cgns_prefix). */
bool rst_cg_own_ns(const struct rst_ctx *c);
void rst_cg_free(struct rst_ctx *c);

const CgSetEntry *rst_cg_set_of(const struct rst_ctx *c, const struct rst_task *t);

/* restore-cgroup-dirs.c, below restore-cgroup.c */
struct opts;
const CgMemberEntry *rst_cg_member(const CgSetEntry *s, const char *name);
/* Where recorded @path of hierarchy @ctrls goes: the root's moved to --cgroup-root. */
int rst_cg_map(const struct opts *o, const CgSetEntry *root_set, const char *ctrls,
	       const char *path, char *out, size_t len);
/* Checks and makes the directories as --manage-cgroups says, sets properties. Logs. */
int rst_cg_dirs(const struct opts *o, const CgroupEntry *img, const CgSetEntry *root_set,
		const struct proc_mounts *ms, const struct proc_cgroups *tool);

#endif
