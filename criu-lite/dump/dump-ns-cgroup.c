/*
 * A cgroup namespace of the root: nothing of its own to write. Its root is
 * the part of each cgroup path the members of the root's set carry as
 * cgns_prefix in cgroup.img (dump-cgroup.c, read from inside it).
 */
#include "dump-ns.h"

static int dump_cgroup_ns(struct dump_ctx *ctx, pid_t pid, uint32_t id)
{
	(void)ctx;
	(void)pid;
	(void)id;
	return 0;
}

const struct dump_ns_ops dump_ns_cgroup = {dump_cgroup_ns};
