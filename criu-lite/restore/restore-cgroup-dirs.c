/*
 * The directories and properties of the tree's cgroups, as criu's
 * --manage-cgroups modes say: none and props need every cgroup to exist;
 * soft (the default) and full make the missing ones; strict makes the
 * tree's (the root's cgroup and those below it) and refuses any that
 * exists, but for the restoring tool's own cgroup (and those above it). Properties: props, full and
 * strict set them all; soft only in the directories it made. A new v1 cpuset directory gets its
 * parent's cpus and mems first (else no process may enter it).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "proc-cgroup.h"
#include "restore-cgroup.h"
#include "options.h"

const CgMemberEntry *rst_cg_member(const CgSetEntry *s, const char *name)
{
	for (size_t i = 0; s && i < s->n_ctls; i++)
		if (!strcmp(s->ctls[i]->name, name))
			return s->ctls[i];
	return NULL;
}

/* @word is a controller of the list @ctrls; "unified" and "cgroup2" name cgroup2 (""). */
static bool rst_cg_names(const char *ctrls, const char *word, size_t len)
{
	if (!*ctrls)
		return (len == 7 && !strncmp(word, "unified", 7)) ||
		       (len == 7 && !strncmp(word, "cgroup2", 7));
	for (const char *p = ctrls; *p;) {
		const char *e = strchr(p, ',');
		size_t l = e ? (size_t)(e - p) : strlen(p);

		if (l == len && !strncmp(p, word, len))
			return true;
		if (!e)
			break;
		p = e + 1;
	}
	return false;
}

/* The --cgroup-root for hierarchy @ctrls: one naming a controller of it, else one for all. */
static const char *rst_cg_new_root(const struct opts *o, const char *ctrls)
{
	const char *all = NULL;

	for (int i = 0; i < o->n_cg_roots; i++) {
		const char *r = o->cg_roots[i], *colon = strchr(r, ':');

		if (!colon)
			all = r;
		else if (rst_cg_names(ctrls, r, (size_t)(colon - r)))
			return colon + 1;
	}
	return all;
}

int rst_cg_map(const struct opts *o, const CgSetEntry *root_set, const char *ctrls,
	       const char *path, char *out, size_t len)
{
	const CgMemberEntry *rm = rst_cg_member(root_set, ctrls);
	const char *nr = rst_cg_new_root(o, ctrls);
	size_t lr = rm && strcmp(rm->path, "/") ? strlen(rm->path) : 0;
	const char *rest = path + lr;

	if (!nr || !rm || strncmp(path, rm->path, lr) || (*rest && *rest != '/'))
		nr = "", rest = path; /* outside the root's: as recorded */
	if (!strcmp(nr, "/"))
		nr = "";
	if (*nr && !strcmp(rest, "/"))
		rest = "";
	if ((size_t)snprintf(out, len, "%s%s", nr, *rest || *nr ? rest : "/") >= len)
		return -ENAMETOOLONG;
	return 0;
}

/* What the plan works from: the options, the image, the root's set. */
struct rst_cg_in {
	const struct opts *o;
	const CgroupEntry *img;
	const CgSetEntry *root_set;
	const struct proc_cgroups *tool; /* the restoring tool's own */
};

/* @target of @ctrls is the tool's own cgroup or above it: it exists, strict or not. */
static bool rst_cg_holds_tool(const struct rst_cg_in *c, const char *ctrls, const char *target)
{
	const struct proc_cgroup *t = proc_cgroup_find(c->tool, ctrls);
	size_t l = strlen(target);

	return t && !strncmp(t->path, target, l) && (!t->path[l] || t->path[l] == '/');
}

struct rst_cg_made {
	char **paths;
	size_t n;
};

static bool rst_cg_made_has(const struct rst_cg_made *md, const char *path)
{
	for (size_t i = 0; i < md->n; i++)
		if (!strcmp(md->paths[i], path))
			return true;
	return false;
}

static int rst_cg_copy_file(const char *from_dir, const char *to_dir, const char *name)
{
	char path[4096 + 64], buf[4096];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", from_dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0)
		return -errno;
	snprintf(path, sizeof(path), "%s/%s", to_dir, name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, buf, (size_t)n) != n) {
		int e = errno;

		close(fd);
		return -e;
	}
	close(fd);
	return 0;
}

static bool rst_cg_is_cpuset(const char *ctrls)
{
	size_t l = strlen(ctrls);

	return !strcmp(ctrls, "cpuset") || !strncmp(ctrls, "cpuset,", 7) ||
	       strstr(ctrls, ",cpuset,") || (l > 7 && !strcmp(ctrls + l - 7, ",cpuset"));
}

/* Records @dir as made by this restore. */
static int rst_cg_made_add(struct rst_cg_made *md, const char *dir)
{
	char **nv = realloc(md->paths, (md->n + 1) * sizeof(*nv));

	if (!nv)
		return -ENOMEM;
	md->paths = nv;
	nv[md->n] = strdup(dir);
	if (!nv[md->n])
		return -ENOMEM;
	md->n++;
	return 0;
}

/* mkdir -p of @dir, whose part up to @base exists; each one made is recorded. */
static int rst_cg_mkdirs(const char *ctrls, char *dir, size_t base, struct rst_cg_made *md)
{
	for (char *p = dir + base + 1;; p++) {
		char c = *p;
		int ret = 0;

		if (c && c != '/')
			continue;
		*p = '\0';
		if (!mkdir(dir, 0755)) {
			ret = rst_cg_made_add(md, dir);
			/* v1 cpuset: an empty cpus or mems list admits no process */
			if (!ret && rst_cg_is_cpuset(ctrls)) {
				char parent[4096];

				snprintf(parent, sizeof(parent), "%.*s",
					 (int)(strrchr(dir, '/') - dir), dir);
				rst_cg_copy_file(parent, dir, "cpuset.cpus");
				rst_cg_copy_file(parent, dir, "cpuset.mems");
			}
		} else if (errno != EEXIST) {
			ret = -errno;
		}
		*p = c;
		if (ret || !c)
			return ret;
	}
}

/* Checks (and makes, as @mode allows) the cgroup @target of hierarchy @ctrls. */
static int rst_cg_need(const struct rst_cg_in *c, const char *ctrls, const char *target,
		       const char *mnt, struct rst_cg_made *md)
{
	enum opts_cg_mode mode = c->o->manage_cgroups;
	char dir[4096];
	struct stat st;
	int ret;

	if ((size_t)snprintf(dir, sizeof(dir), "%s%s", mnt, target) >= sizeof(dir))
		return -ENAMETOOLONG;
	if (!stat(dir, &st))
		return 0;
	if (mode == OPTS_CG_NONE || mode == OPTS_CG_PROPS) {
		pr_err("restore: cgroup '%s:%s' ('%s') does not exist: create it, or restore with "
		       "--manage-cgroups=soft or full, which make missing cgroups",
		       *ctrls ? ctrls : "cgroup2", target, dir);
		return -ENOENT;
	}
	ret = rst_cg_mkdirs(ctrls, dir, strlen(mnt), md);
	if (ret)
		pr_err("restore: making cgroup '%s:%s' ('%s'): %s", *ctrls ? ctrls : "cgroup2",
		       target, dir, strerror(-ret));
	return ret;
}

static int rst_cg_set_prop(const char *dir, const CgroupPropEntry *p)
{
	char path[4096 + 256];
	size_t len = strlen(p->value);
	int fd, e;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, p->name) >= sizeof(path))
		return -ENAMETOOLONG;
	if (strchr(p->name, '/') || p->name[0] == '.')
		return -EINVAL;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	e = write(fd, p->value, len) == (ssize_t)len ? 0 : errno;
	close(fd);
	return -e;
}

/* Walks directory @d (recorded path @path) of hierarchy @ctrls: strict check or properties. */
static int rst_cg_walk(const struct rst_cg_in *c, const char *ctrls, const char *mnt,
		       const CgroupDirEntry *d, const char *path, bool check,
		       const struct rst_cg_made *md)
{
	enum opts_cg_mode mode = c->o->manage_cgroups;
	char target[4096], dir[4096];
	struct stat st;
	int ret = rst_cg_map(c->o, c->root_set, ctrls, path, target, sizeof(target));

	if (ret)
		return ret;
	if ((size_t)snprintf(dir, sizeof(dir), "%s%s", mnt, strcmp(target, "/") ? target : "") >=
	    sizeof(dir))
		return -ENAMETOOLONG;
	if (check && strcmp(target, "/") && !rst_cg_holds_tool(c, ctrls, target) &&
	    !stat(dir, &st)) {
		pr_err("restore: cgroup '%s:%s' exists already: --manage-cgroups=strict makes the "
		       "tree's cgroups anew; remove it, or restore with --manage-cgroups=full",
		       *ctrls ? ctrls : "cgroup2", target);
		return -EEXIST;
	}
	/* the root of a hierarchy has no settable properties of its own */
	if (!check && strcmp(target, "/") &&
	    (mode == OPTS_CG_PROPS || mode == OPTS_CG_FULL || mode == OPTS_CG_STRICT ||
	     ((mode == OPTS_CG_SOFT || mode == OPTS_CG_DEFAULT) && rst_cg_made_has(md, dir)))) {
		for (size_t i = 0; i < d->n_properties && !ret; i++) {
			ret = rst_cg_set_prop(dir, d->properties[i]);
			if (ret)
				pr_err("restore: cgroup '%s:%s': setting %s to '%s': %s",
				       *ctrls ? ctrls : "cgroup2", target, d->properties[i]->name,
				       d->properties[i]->value, strerror(-ret));
		}
	}
	for (size_t i = 0; i < d->n_children && !ret; i++) {
		char sub[4096];

		if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", strcmp(path, "/") ? path : "",
				     d->children[i]->dir_name) >= sizeof(sub))
			return -ENAMETOOLONG;
		ret = rst_cg_walk(c, ctrls, mnt, d->children[i], sub, check, md);
	}
	return ret;
}

/* Every controller's directory tree: the strict check (@check) or the properties. */
static int rst_cg_walk_all(const struct rst_cg_in *c, const struct proc_mounts *ms, bool check,
			   const struct rst_cg_made *md)
{
	const CgroupEntry *e = c->img;
	int ret = 0;

	for (size_t i = 0; i < e->n_controllers && !ret; i++) {
		const CgControllerEntry *ce = e->controllers[i];
		char mnt[4096];

		if (!ce->n_cnames || cgroup_mount_of(ms, ce->cnames[0], mnt, sizeof(mnt)))
			continue; /* the moves name a hierarchy not mounted */
		for (size_t j = 0; j < ce->n_dirs && !ret; j++)
			ret = rst_cg_walk(c, ce->cnames[0], mnt, ce->dirs[j], ce->dirs[j]->dir_name,
					  check, md);
	}
	return ret;
}

int rst_cg_dirs(const struct opts *o, const CgroupEntry *img, const CgSetEntry *root_set,
		const struct proc_mounts *ms, const struct proc_cgroups *tool)
{
	const struct rst_cg_in in = {o, img, root_set, tool}, *c = &in;
	const CgroupEntry *e = img;
	struct rst_cg_made md = {NULL, 0};
	int ret = 0;

	if (c->o->manage_cgroups == OPTS_CG_STRICT)
		ret = rst_cg_walk_all(c, ms, true, &md);
	for (size_t i = 0; i < e->n_sets && !ret; i++) {
		const CgSetEntry *s = e->sets[i];

		for (size_t k = 0; k < s->n_ctls && !ret; k++) {
			char target[4096], mnt[4096];

			if (cgroup_mount_of(ms, s->ctls[k]->name, mnt, sizeof(mnt)))
				continue; /* refused by name when a task moves there */
			ret = rst_cg_map(c->o, c->root_set, s->ctls[k]->name, s->ctls[k]->path,
					 target, sizeof(target));
			if (!ret)
				ret = rst_cg_need(c, s->ctls[k]->name, target, mnt, &md);
		}
	}
	if (!ret)
		ret = rst_cg_walk_all(c, ms, false, &md);
	for (size_t i = 0; i < md.n; i++)
		free(md.paths[i]);
	free(md.paths);
	return ret;
}
