/*
 * How a mount namespace is rebuilt (docs/containers.md), decided alike by
 * dump (the live namespace) and restore (its image): either a private copy
 * of the tool's mount tree with mounts of its own on top, or a tree of its
 * own whose root file system is given from outside (--root); each mount
 * that is not the tool's is then made anew, bound from another mount of the
 * tree, or bound from a host path given from outside (--external mnt[]).
 */
#ifndef CRL_MNTNS_H
#define CRL_MNTNS_H

#include <stdbool.h>
#include <stddef.h>

#include "proc-mountinfo.h"

/*
 * Whether @ns is a copy of @tool's mounts (nsfs bind mounts aside; its first,
 * its root, must be the tool's) with mounts of its own added, which
 * *@extra[i] marks (an array of @ns->n); tool mounts it lacks are not
 * compared.
 * @opts: the mount and super block options must match too.
 * 0, -ENOMEM, or -EOPNOTSUPP with the mount point at fault in *@bad and why
 * in *@why.
 */
int mntns_check_shape(const struct proc_mounts *tool, const struct proc_mounts *ns, bool opts,
		      bool *extra, const char **bad, const char **why);

/* CRIU's fstype number (proto/mnt.proto) of file system @name; 0 (UNSUPPORTED) if none. */
unsigned int mntns_fstype(const char *name);
/* The file system name of fstype @type, NULL for 0 or an unknown number. */
const char *mntns_fstype_name(unsigned int type);

/* How one mount is made at restore. */
enum mntns_how {
	MNTNS_TOOL,	/* the tool's own, there after unshare(CLONE_NEWNS) */
	MNTNS_ROOT,	/* the tree's root file system: a bind of --root */
	MNTNS_EXTERNAL, /* a bind of the host path given for its key (--external mnt[]) */
	MNTNS_BIND,	/* a bind from another mount of the tree (src) */
	MNTNS_FRESH,	/* mounted anew (proc, sysfs, tmpfs with its contents...) */
};

struct mntns_plan {
	enum mntns_how how;
	long src; /* MNTNS_BIND: the index of the mount it is a bind from */
};

/*
 * Plans each mount of @ns (parents before children): @tool[i] marks the
 * tool's own (all false: a tree of its own, whose mount on / is its root),
 * @external[i] the external ones. 0, or -EOPNOTSUPP with the mount point at
 * fault in *@bad and why in *@why.
 */
int mntns_plan(const struct proc_mounts *ns, const bool *tool, const bool *external,
	       struct mntns_plan *plan, const char **bad, const char **why);
/*
 * Reorders @ms so that every mount comes after the one it is on (mountinfo
 * lists a mount attached with move_mount before its parent), keeping the
 * order otherwise. 0 or -ENOMEM.
 */
int mntns_sort(struct proc_mounts *ms);
/* Whether mounts of file system @fstype are made anew (no contents, or a tmpfs's). */
bool mntns_fresh_type(const char *fstype);
/* The propagation group number "shared:N" (@what "shared") or "master:N" in @optional; 0 if none.
 */
unsigned int mntns_group(const char *optional, const char *what);

#endif
