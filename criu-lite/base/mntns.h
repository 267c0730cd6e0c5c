/*
 * The one mount namespace shape restore rebuilds (docs/containers.md): a
 * private copy of the tool's mount tree with proc mounted on /proc on top.
 * Shared by dump (the live namespace) and restore (its image).
 */
#ifndef CRL_MNTNS_H
#define CRL_MNTNS_H

#include <stdbool.h>
#include <stddef.h>

#include "proc-mountinfo.h"

/*
 * Whether @ns is a copy of @tool's mounts (nsfs bind mounts aside) with only
 * proc mounts on /proc added, which *@extra[i] marks (an array of @ns->n);
 * with such mounts of its own it must be private (no shared or slave
 * propagation). @opts: the mount and super block options must match too. 0, -ENOMEM, or -EOPNOTSUPP
 * with the mount point at fault in *@bad and why in *@why.
 */
int mntns_check_shape(const struct proc_mounts *tool, const struct proc_mounts *ns, bool opts,
		      bool *extra, const char **bad, const char **why);

/* CRIU's fstype number (proto/mnt.proto) of file system @name; 0 (UNSUPPORTED) if none. */
unsigned int mntns_fstype(const char *name);
/* The file system name of fstype @type, NULL for 0 or an unknown number. */
const char *mntns_fstype_name(unsigned int type);

#endif
