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
		} else if (j == -1) {
			extra[i] = true;
		}
	}
	/*
	 * A copy shares the tool's root mount. Mounts the tool has and the copy
	 * lacks are not compared: the host mounts and unmounts on its own (other
	 * programs, automounts) after the copy was made.
	 */
	if (!ret && ns->n && extra[0]) {
		*bad = ns->m[0].mountpoint;
		*why = "is not the tool's root mount (a tree of its own)";
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

bool mntns_fresh_type(const char *fstype)
{
	/* kernel file systems without contents of their own, and tmpfs (its tar) */
	static const char *const fresh[] = {
		"proc",	    "sysfs",	  "tmpfs",   "devpts",	"mqueue",
		"cgroup",   "cgroup2",	  "tracefs", "debugfs", "bpf",
		"configfs", "securityfs", "pstore",  "fusectl", "binfmt_misc",
	};

	for (size_t i = 0; i < sizeof(fresh) / sizeof(fresh[0]); i++)
		if (!strcmp(fstype, fresh[i]))
			return true;
	return false;
}

unsigned int mntns_group(const char *optional, const char *what)
{
	size_t n = strlen(what);

	for (const char *p = optional; p && *p;) {
		if (!strncmp(p, what, n) && p[n] == ':')
			return (unsigned int)strtoul(p + n + 1, NULL, 10);
		p += strcspn(p, " ");
		p += strspn(p, " ");
	}
	return 0;
}

/* Whether path @root is @base or below it (by whole components). */
static bool mntns_below(const char *root, const char *base)
{
	size_t n = strlen(base);

	if (!strcmp(base, "/"))
		return true;
	return !strncmp(root, base, n) && (root[n] == 0 || root[n] == '/');
}

/* An earlier mount of the same super block that @m's root lies in, or -1. */
static long mntns_bind_src(const struct proc_mounts *ns, size_t i)
{
	const struct proc_mount *m = &ns->m[i];
	long best = -1;

	for (size_t j = 0; j < i; j++) {
		const struct proc_mount *s = &ns->m[j];

		if (s->maj != m->maj || s->min != m->min || !mntns_below(m->root, s->root))
			continue;
		if (best < 0 || strlen(s->root) < strlen(ns->m[best].root))
			best = (long)j;
	}
	return best;
}

/* Whether mount id @id is in @ms's first @n. */
static bool mntns_has_id(const struct proc_mount *m, size_t n, int id)
{
	for (size_t i = 0; i < n; i++)
		if (m[i].id == id)
			return true;
	return false;
}

int mntns_sort(struct proc_mounts *ms)
{
	struct proc_mount *out = calloc(ms->n + 1, sizeof(*out));
	bool *done = calloc(ms->n + 1, sizeof(*done));
	size_t n = 0;

	if (!out || !done) {
		free(out);
		free(done);
		return -ENOMEM;
	}
	while (n < ms->n) {
		size_t before = n;

		for (size_t i = 0; i < ms->n; i++) {
			/* its parent placed already, or not in the list (the root's) */
			if (done[i] || (!mntns_has_id(out, n, ms->m[i].parent) &&
					mntns_has_id(ms->m, ms->n, ms->m[i].parent)))
				continue;
			out[n++] = ms->m[i];
			done[i] = true;
		}
		for (size_t i = 0; n == before && i < ms->n; i++)
			if (!done[i]) { /* a cycle: cannot be, but never loop */
				out[n++] = ms->m[i];
				done[i] = true;
			}
	}
	memcpy(ms->m, out, ms->n * sizeof(*out));
	free(out);
	free(done);
	return 0;
}

/* Whether mount @i's parent comes before it in @ns (or is outside: the root). */
static bool mntns_parent_first(const struct proc_mounts *ns, size_t i)
{
	for (size_t j = i; j < ns->n; j++)
		if (ns->m[j].id == ns->m[i].parent)
			return false;
	return true;
}

int mntns_plan(const struct proc_mounts *ns, const bool *tool, const bool *external,
	       struct mntns_plan *plan, const char **bad, const char **why)
{
	for (size_t i = 0; i < ns->n; i++) {
		const struct proc_mount *m = &ns->m[i];
		struct mntns_plan *p = &plan[i];

		*bad = m->mountpoint;
		p->src = mntns_bind_src(ns, i);
		if (tool[i]) {
			p->how = MNTNS_TOOL;
		} else if (!mntns_parent_first(ns, i)) {
			*why = "comes before the mount it is on (mounts were moved)";
			return -EOPNOTSUPP;
		} else if (i == 0) {
			if (strcmp(m->mountpoint, "/")) {
				*why = "is the namespace's first mount, but not on /";
				return -EOPNOTSUPP;
			}
			p->how = MNTNS_ROOT;
		} else if (external[i]) {
			p->how = MNTNS_EXTERNAL;
		} else if (p->src >= 0) {
			p->how = MNTNS_BIND;
		} else if (mntns_fresh_type(m->fstype) &&
			   (strcmp(m->fstype, "tmpfs") || !strcmp(m->root, "/"))) {
			p->how = MNTNS_FRESH;
		} else {
			*why = "comes from outside the tree (no mount of the tree holds its "
			       "source, and its type is not one made anew)";
			return -EOPNOTSUPP;
		}
	}
	return 0;
}
