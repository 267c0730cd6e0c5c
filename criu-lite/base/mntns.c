#include <stdbool.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mntns.h"

static bool mntns_same(const struct proc_mount *a, const struct proc_mount *b, bool opts)
{
	return !strcmp(a->mountpoint, b->mountpoint) && !strcmp(a->root, b->root) &&
	       !strcmp(a->fstype, b->fstype) && !strcmp(a->source, b->source) &&
	       (!opts || (!strcmp(a->mopts, b->mopts) && !strcmp(a->sopts, b->sopts)));
}

/* nsfs bind mounts (ip netns names) come and go with other programs: not compared. */
static bool mntns_ignored(const struct proc_mount *m)
{
	return !strcmp(m->fstype, "nsfs");
}

static bool mntns_has_extra(const bool *extra, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (extra[i])
			return true;
	return false;
}

/* The first unused mount of @tool that @m matches, or -1. */
static long mntns_match(const struct proc_mounts *tool, bool *used, const struct proc_mount *m,
			bool opts)
{
	for (size_t j = 0; j < tool->n; j++)
		if (!used[j] && mntns_same(m, &tool->m[j], opts))
			return (long)j;
	return -1;
}

int mntns_check_shape(const struct proc_mounts *tool, const struct proc_mounts *ns, bool opts,
		      bool *extra, const char **bad, const char **why)
{
	bool *used = calloc(tool->n + 1, sizeof(*used));
	int ret = 0;

	if (!used)
		return -ENOMEM;
	for (size_t i = 0; i < ns->n && !ret; i++) {
		const struct proc_mount *m = &ns->m[i];
		long j = mntns_ignored(m) ? -2 : mntns_match(tool, used, m, opts);

		extra[i] = false;
		*bad = m->mountpoint;
		if (j >= 0) {
			used[j] = true;
		} else if (j == -1 && !strcmp(m->fstype, "proc") &&
			   !strcmp(m->mountpoint, "/proc")) {
			extra[i] = true;
		} else if (j == -1) {
			*why = "is not in the tool's mount tree, or differs from it (type, source, "
			       "options; only proc on /proc may be added)";
			ret = -EOPNOTSUPP;
		}
	}
	/* a namespace of its own is made private: only then may it have mounts of its own */
	for (size_t i = 0; i < ns->n && !ret; i++) {
		if (!ns->m[i].optional[0] || !mntns_has_extra(extra, ns->n))
			continue;
		*bad = ns->m[i].mountpoint;
		*why = "has shared or slave propagation (only a private copy is restored)";
		ret = -EOPNOTSUPP;
	}
	for (size_t j = 0; j < tool->n && !ret; j++) {
		if (used[j] || mntns_ignored(&tool->m[j]))
			continue;
		*bad = tool->m[j].mountpoint;
		*why = "of the tool's is not there (unmounted or changed in the namespace)";
		ret = -EOPNOTSUPP;
	}
	free(used);
	return ret;
}

/* CRIU's fstype numbers (proto/mnt.proto's enum fstype). */
static const struct {
	const char *name;
	unsigned int type;
} mntns_types[] = {
	{"proc", 1},	 {"sysfs", 2},	  {"devtmpfs", 3},   {"binfmt_misc", 4}, {"tmpfs", 5},
	{"devpts", 6},	 {"pstore", 8},	  {"securityfs", 9}, {"fusectl", 10},	 {"debugfs", 11},
	{"cgroup", 12},	 {"mqueue", 14},  {"fuse", 15},	     {"overlay", 17},	 {"autofs", 18},
	{"tracefs", 19}, {"cgroup2", 23},
};

unsigned int mntns_fstype(const char *name)
{
	for (size_t i = 0; i < sizeof(mntns_types) / sizeof(mntns_types[0]); i++)
		if (!strcmp(name, mntns_types[i].name))
			return mntns_types[i].type;
	return 0;
}

const char *mntns_fstype_name(unsigned int type)
{
	for (size_t i = 0; type && i < sizeof(mntns_types) / sizeof(mntns_types[0]); i++)
		if (mntns_types[i].type == type)
			return mntns_types[i].name;
	return NULL;
}
