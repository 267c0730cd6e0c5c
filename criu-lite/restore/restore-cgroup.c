/*
 * The tree's cgroups (docs/containers.md, "cgroups"), criu's
 * --manage-cgroups modes: before any process exists the tool maps every
 * recorded cgroup (the root's to --cgroup-root), checks and makes the
 * directories the mode allows and sets the recorded properties
 * (restore-cgroup-dirs.c). Each new process then enters its cgroups itself,
 * before it forks its children or runs (rst_cg_enter); the root in its own
 * cgroup namespace first enters the namespace's root, unshares, then its
 * own. ignore: nothing is done, as criu.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.pb-c.h"
#include "log.h"
#include "proc-cgroup.h"
#include "restore-cgroup.h"
#include "restore.h"

struct rst_cg {
	CgroupEntry *img;
	const CgSetEntry *root_set;
	char ***moves;	/* per task: cgroup.procs files it writes, NULL-terminated */
	char **ns_root; /* the root's, first, when it owns its cgroup namespace */
	size_t nr_tasks;
};

int rst_cg_read(struct rst_ctx *c)
{
	ProtobufCMessage *m = NULL;
	int ret;

	if (faccessat(c->dir.fd, "cgroup.img", F_OK, AT_SYMLINK_NOFOLLOW))
		return 0; /* an older dump: the tree stays in the tool's cgroups */
	ret = img_read_one(&c->dir, IMG_CGROUP, 0, &cgroup_entry__descriptor, &m);
	if (ret)
		return ret;
	c->cg = calloc(1, sizeof(*c->cg));
	if (!c->cg) {
		img_free_msg(m);
		return -ENOMEM;
	}
	c->cg->img = (CgroupEntry *)m;
	if (c->nr_tasks)
		c->cg->root_set = rst_cg_set_of(c, &c->tasks[0]);
	return 0;
}

const CgSetEntry *rst_cg_set_of(const struct rst_ctx *c, const struct rst_task *t)
{
	const TaskCoreEntry *tc = t->nr_th && t->th[0].core ? t->th[0].core->tc : NULL;

	if (!c->cg || !tc || !tc->has_cg_set)
		return NULL;
	for (size_t i = 0; i < c->cg->img->n_sets; i++)
		if (c->cg->img->sets[i]->id == tc->cg_set)
			return c->cg->img->sets[i];
	return NULL;
}

bool rst_cg_own_ns(const struct rst_ctx *c)
{
	const CgSetEntry *s = c->cg ? c->cg->root_set : NULL;

	for (size_t i = 0; s && i < s->n_ctls; i++)
		if (s->ctls[i]->has_cgns_prefix)
			return true;
	return false;
}

/* The cgroup.procs file of @ctrls:@target under the tool's mount, appended to *@v. */
static int rst_cg_push(const struct proc_mounts *ms, const char *ctrls, const char *target,
		       char ***v, size_t *n)
{
	char mnt[4096], *s, **nv;

	if (cgroup_mount_of(ms, ctrls, mnt, sizeof(mnt))) {
		pr_err("restore: the cgroup hierarchy '%s' of the dump is not mounted here: "
		       "mount it, or restore with --manage-cgroups=ignore",
		       *ctrls ? ctrls : "cgroup2");
		return -ENOENT;
	}
	if (asprintf(&s, "%s%s/cgroup.procs", mnt, strcmp(target, "/") ? target : "") < 0)
		return -ENOMEM;
	nv = realloc(*v, (*n + 2) * sizeof(*nv));
	if (!nv) {
		free(s);
		return -ENOMEM;
	}
	nv[(*n)++] = s;
	nv[*n] = NULL;
	*v = nv;
	return 0;
}

/*
 * The moves of task @i: each cgroup whose target is not where the process
 * starts (its parent's, the tool's for the root). @prefix: the root's moves
 * into its cgroup namespace's root instead.
 */
static int rst_cg_plan_task(struct rst_ctx *c, size_t i, const struct proc_mounts *ms,
			    const struct proc_cgroups *tool, bool prefix, char ***out)
{
	const CgSetEntry *s = rst_cg_set_of(c, &c->tasks[i]);
	const CgSetEntry *ps = i ? rst_cg_set_of(c, &c->tasks[c->tasks[i].parent]) : NULL;
	char target[4096], from[4096];
	size_t n = 0;
	int ret = 0;

	for (size_t k = 0; s && k < s->n_ctls && !ret; k++) {
		const CgMemberEntry *m = s->ctls[k], *pm = rst_cg_member(ps, m->name);
		const struct proc_cgroup *tc = proc_cgroup_find(tool, m->name);
		char path[4096];

		snprintf(path, sizeof(path), "%.*s",
			 prefix && m->has_cgns_prefix ? (int)m->cgns_prefix : (int)strlen(m->path),
			 m->path);
		ret = rst_cg_map(c->o, c->cg->root_set, m->name, path[0] ? path : "/", target,
				 sizeof(target));
		if (!ret && pm)
			ret = rst_cg_map(c->o, c->cg->root_set, pm->name, pm->path, from,
					 sizeof(from));
		else if (!ret)
			snprintf(from, sizeof(from), "%s", tc ? tc->path : "");
		/* the root in its own cgroup namespace moves twice: it always writes */
		if (!ret && (strcmp(target, from) || (!i && rst_cg_own_ns(c))))
			ret = rst_cg_push(ms, m->name, target, out, &n);
	}
	return ret;
}

int rst_cg_prepare(struct rst_ctx *c)
{
	struct proc_mounts ms;
	struct proc_cgroups tool;
	int ret;

	if (!c->cg || !c->cg->root_set || c->o->manage_cgroups == OPTS_CG_IGNORE)
		return 0;
	ret = proc_read_mountinfo(0, &ms);
	if (!ret) {
		ret = proc_read_cgroup(0, &tool);
		if (ret)
			proc_mounts_free(&ms);
	}
	if (ret) {
		pr_err("restore: the tool's cgroups and mounts: %s", strerror(-ret));
		return ret;
	}
	ret = rst_cg_dirs(c->o, c->cg->img, c->cg->root_set, &ms, &tool);
	c->cg->moves = calloc(c->nr_tasks, sizeof(*c->cg->moves));
	if (!ret && !c->cg->moves)
		ret = -ENOMEM;
	c->cg->nr_tasks = c->cg->moves ? c->nr_tasks : 0;
	for (size_t i = 0; i < c->nr_tasks && !ret; i++)
		ret = c->tasks[i].zombie
			      ? 0
			      : rst_cg_plan_task(c, i, &ms, &tool, false, &c->cg->moves[i]);
	if (!ret && rst_cg_own_ns(c))
		ret = rst_cg_plan_task(c, 0, &ms, &tool, true, &c->cg->ns_root);
	proc_cgroups_free(&tool);
	proc_mounts_free(&ms);
	return ret;
}

static int rst_cg_write_all(char **v, const char **what)
{
	for (size_t k = 0; v && v[k]; k++) {
		int fd = open(v[k], O_WRONLY | O_CLOEXEC);

		if (fd < 0 || write(fd, "0", 1) != 1) {
			int e = errno;

			if (fd >= 0)
				close(fd);
			*what = v[k];
			return -e;
		}
		close(fd);
	}
	return 0;
}

int rst_cg_enter(const struct rst_ctx *c, size_t i, bool ns_root, const char **what)
{
	if (!c->cg || i >= c->cg->nr_tasks)
		return 0;
	return rst_cg_write_all(ns_root ? c->cg->ns_root : c->cg->moves[i], what);
}

static void rst_cg_strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

void rst_cg_free(struct rst_ctx *c)
{
	if (!c->cg)
		return;
	for (size_t i = 0; i < c->cg->nr_tasks; i++)
		rst_cg_strv_free(c->cg->moves[i]);
	free(c->cg->moves);
	rst_cg_strv_free(c->cg->ns_root);
	img_free_msg(&c->cg->img->base);
	free(c->cg);
	c->cg = NULL;
}
