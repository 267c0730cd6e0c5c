/* cgroup.img's directories and properties (dump-cgroup-dirs.c), for dump-cgroup.c. */
#ifndef CRL_DUMP_CGROUP_H
#define CRL_DUMP_CGROUP_H

#include <stddef.h>

#include "cgroup.pb-c.h"
#include "proc-cgroup.h"

/*
 * One controller entry per hierarchy of @sets[0] (the root's): the root's
 * directory and those of every set below it, each with the properties a
 * restore may set, read from the tool's mount of the hierarchy. Logs.
 */
int dump_cgroup_dirs(const struct proc_cgroups *const *sets, size_t n, CgControllerEntry ***out,
		     size_t *n_out);
void dump_cgroup_dirs_free(CgControllerEntry **ctl, size_t n);

#endif
