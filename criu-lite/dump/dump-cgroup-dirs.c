/*
 * The directories of cgroup.img: per hierarchy, the root's cgroup (its full
 * path as dir_name) and below it, one entry per path component, the
 * cgroups of the tree's processes, each with the values of the control
 * files a restore sets (--manage-cgroups props, full, strict; soft in the
 * directories it creates). The freezer's state is never among them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "array.h"
#include "dump-cgroup.h"
#include "log.h"

/* Control files a restore may set, per v1 controller; cgroup2's apart. */
static const char *const cg_props_v1[][4] = {
	{"cpu", "cpu.shares", "cpu.cfs_period_us", "cpu.cfs_quota_us"},
	{"memory", "memory.limit_in_bytes", "memory.soft_limit_in_bytes", NULL},
	{"pids", "pids.max", NULL, NULL},
	{"cpuset", "cpuset.cpus", "cpuset.mems", NULL},
	{"blkio", "blkio.weight", NULL, NULL},
};
static const char *const cg_props_v2[] = {"cpuset.cpus", "cpuset.mems", "cpu.weight",
					  "cpu.max",	 "memory.min",	"memory.low",
					  "memory.high", "memory.max",	"pids.max"};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* The value of control file @name in @dir, newline removed; NULL when absent. */
static char *cg_read_prop(const char *dir, const char *name)
{
	char path[4096], buf[4096];
	ssize_t n;
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return NULL;
	while (n > 0 && buf[n - 1] == '\n')
		n--;
	buf[n] = '\0';
	return strdup(buf);
}

static int cg_add_prop(CgroupDirEntry *d, const char *dir, const char *name)
{
	CgroupPropEntry *p;
	char *v = cg_read_prop(dir, name);

	if (!v)
		return 0; /* not in this kernel or this hierarchy */
	p = calloc(1, sizeof(*p));
	if (!p || ARRAY_GROW(d->properties, d->n_properties)) {
		free(p);
		free(v);
		return -ENOMEM;
	}
	cgroup_prop_entry__init(p);
	p->name = (char *)name;
	p->value = v;
	d->properties[d->n_properties++] = p;
	return 0;
}

/* Properties of the controllers in @ctrls ("" : cgroup2) of directory @dir. */
static int cg_add_props(CgroupDirEntry *d, const char *ctrls, const char *dir)
{
	int ret = 0;

	if (!*ctrls) {
		for (size_t i = 0; i < NELEM(cg_props_v2) && !ret; i++)
			ret = cg_add_prop(d, dir, cg_props_v2[i]);
		return ret;
	}
	for (size_t c = 0; c < NELEM(cg_props_v1) && !ret; c++) {
		const char *p = strstr(ctrls, cg_props_v1[c][0]);
		size_t l = strlen(cg_props_v1[c][0]);

		/* a whole word of the list: "cpu" is not in "cpuacct" alone */
		if (!p || (p != ctrls && p[-1] != ',') || (p[l] && p[l] != ','))
			continue;
		for (size_t i = 1; i < 4 && cg_props_v1[c][i] && !ret; i++)
			ret = cg_add_prop(d, dir, cg_props_v1[c][i]);
	}
	return ret;
}

static CgroupDirEntry *cg_dir_new(const char *name, size_t len)
{
	CgroupDirEntry *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	cgroup_dir_entry__init(d);
	d->dir_name = strndup(name, len);
	if (!d->dir_name) {
		free(d);
		return NULL;
	}
	return d;
}

static void cg_dir_free(CgroupDirEntry *d)
{
	for (size_t i = 0; i < d->n_children; i++)
		cg_dir_free(d->children[i]);
	for (size_t i = 0; i < d->n_properties; i++) {
		free(d->properties[i]->value);
		free(d->properties[i]);
	}
	free(d->children);
	free(d->properties);
	free(d->dir_name);
	free(d);
}

/* The child of @d named by @name (@len bytes), made (with its properties) when missing. */
static int cg_dir_child(CgroupDirEntry *d, const char *name, size_t len, const char *ctrls,
			const char *fs_dir, CgroupDirEntry **out)
{
	CgroupDirEntry *k;

	for (size_t i = 0; i < d->n_children; i++) {
		if (strlen(d->children[i]->dir_name) == len &&
		    !strncmp(d->children[i]->dir_name, name, len)) {
			*out = d->children[i];
			return 0;
		}
	}
	k = cg_dir_new(name, len);
	if (!k || ARRAY_GROW(d->children, d->n_children)) {
		if (k)
			cg_dir_free(k);
		return -ENOMEM;
	}
	d->children[d->n_children++] = k;
	*out = k;
	return cg_add_props(k, ctrls, fs_dir);
}

/* Adds @path, below the root's @top (its path @root), to the tree. */
static int cg_dir_add(CgroupDirEntry *top, const char *root, const char *path, const char *ctrls,
		      const char *mnt)
{
	size_t lr = strcmp(root, "/") ? strlen(root) : 0;
	const char *p = path + lr;
	char fs_dir[4096];
	int ret = 0;

	if (strncmp(path, root, lr) || (*p && *p != '/'))
		return 0; /* not below the root's: restored as it is, no directory of ours */
	while (*p == '/' && !ret) {
		const char *e = strchr(p + 1, '/');
		size_t l = e ? (size_t)(e - p - 1) : strlen(p + 1);

		if (!l)
			break;
		if ((size_t)snprintf(fs_dir, sizeof(fs_dir), "%s%.*s", mnt, (int)(p + 1 + l - path),
				     path) >= sizeof(fs_dir))
			return -ENAMETOOLONG;
		ret = cg_dir_child(top, p + 1, l, ctrls, fs_dir, &top);
		p += 1 + l;
	}
	return ret;
}

static int cg_controller(const struct proc_cgroup *rc, const struct proc_cgroups *const *sets,
			 size_t n, const struct proc_mounts *ms, CgControllerEntry **out)
{
	CgControllerEntry *c = calloc(1, sizeof(*c));
	char mnt[4096], fs_dir[4096 + 256];
	CgroupDirEntry *top;
	int ret;

	if (!c)
		return -ENOMEM;
	cg_controller_entry__init(c);
	*out = c;
	c->cnames = calloc(1, sizeof(*c->cnames));
	c->dirs = calloc(1, sizeof(*c->dirs));
	top = cg_dir_new(rc->path, strlen(rc->path));
	if (!c->cnames || !c->dirs || !top) {
		free(top);
		return -ENOMEM;
	}
	c->cnames[c->n_cnames++] = rc->ctrls;
	c->dirs[c->n_dirs++] = top;
	/* a hierarchy the tool has not mounted: membership only, no properties */
	if (cgroup_mount_of(ms, rc->ctrls, mnt, sizeof(mnt)))
		return 0;
	if ((size_t)snprintf(fs_dir, sizeof(fs_dir), "%s%s", mnt, rc->path) >= sizeof(fs_dir))
		return -ENAMETOOLONG;
	ret = cg_add_props(top, rc->ctrls, fs_dir);
	for (size_t i = 0; i < n && !ret; i++) {
		const struct proc_cgroup *pc = proc_cgroup_find(sets[i], rc->ctrls);

		if (pc)
			ret = cg_dir_add(top, rc->path, pc->path, rc->ctrls, mnt);
	}
	return ret;
}

int dump_cgroup_dirs(const struct proc_cgroups *const *sets, size_t n, CgControllerEntry ***out,
		     size_t *n_out)
{
	struct proc_mounts ms;
	int ret = proc_read_mountinfo(0, &ms);

	*out = NULL;
	*n_out = 0;
	if (ret) {
		pr_err("dump: the tool's mountinfo (cgroup mounts): %s", strerror(-ret));
		return ret;
	}
	*out = calloc(sets[0]->n ? sets[0]->n : 1, sizeof(**out));
	if (!*out)
		ret = -ENOMEM;
	for (size_t i = 0; !ret && i < sets[0]->n; i++) {
		ret = cg_controller(&sets[0]->c[i], sets, n, &ms, &(*out)[i]);
		*n_out = i + 1;
	}
	proc_mounts_free(&ms);
	if (ret)
		pr_err("dump: the tree's cgroup directories: %s", strerror(-ret));
	return ret;
}

void dump_cgroup_dirs_free(CgControllerEntry **ctl, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!ctl[i])
			continue;
		for (size_t j = 0; j < ctl[i]->n_dirs; j++)
			cg_dir_free(ctl[i]->dirs[j]);
		free(ctl[i]->dirs);
		free(ctl[i]->cnames);
		free(ctl[i]);
	}
	free(ctl);
}
