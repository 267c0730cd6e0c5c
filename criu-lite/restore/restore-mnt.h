/*
 * The mount tree a restored mount namespace is built with: read and planned
 * by restore-ns-mnt.c before any process exists, built by restore-mnt-tree.c
 * in the new root (docs/containers.md).
 */
#ifndef CRL_RESTORE_MNT_H
#define CRL_RESTORE_MNT_H

#include <stdbool.h>
#include <stddef.h>

#include "mntns.h"

struct rst_mnt_item {
	enum mntns_how how;
	char *mountpoint; /* in the tree: "/dev/shm" */
	char *src;	  /* EXTERNAL: the host path; BIND: a path in the tree; FRESH: the source */
	char *fstype;	  /* FRESH */
	char *options;	  /* FRESH: the super block's, "size=65536k,mode=755" */
	char *subdir;	  /* FRESH: its root when not "/" (a cgroup's directory), else NULL */
	bool tmpfs;	  /* FRESH: filled from tmpfs-dev-<dev>.tar.gz.img */
	unsigned long flags; /* MS_* of the mount */
	bool sb_ro;	     /* FRESH: the super block read-only */
	unsigned long dev;   /* its device at dump (major << 20 | minor): a tmpfs's tar */
	int devpts;	     /* FRESH devpts: made by the tool (the ptys are in it), or -1 */
	unsigned int shared, master; /* propagation groups as recorded, 0: none */
};

struct rst_mnt {
	struct rst_mnt_item *items; /* parents first */
	size_t n;
	char *root; /* --root: a tree of its own pivoted into; NULL: on the tool's copy */
	int dirfd;  /* the images directory (the tmpfs tars) */
};

/* In the new root after unshare(CLONE_NEWNS): builds @mnt. No log: -errno, *@what. */
int rst_mnt_tree_build(const struct rst_mnt *mnt, const char **what);

#endif
