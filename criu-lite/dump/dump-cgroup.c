/*
 * The tree's cgroups (docs/containers.md, "cgroups"): every process's
 * /proc/PID/cgroup is one set (CRIU's cg_set_entry), shared by the processes
 * with the same membership; its core names it (cg_set). cgroup.img holds
 * the sets and, per hierarchy, the directories from the root's cgroup down
 * to the processes' with the properties a restore may set. Paths are the
 * tool's view; a restore maps the root's to --cgroup-root. A root in its own
 * cgroup namespace: each member carries the length of the namespace root's
 * path (cgns_prefix), read from inside the namespace.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "array.h"
#include "cgroup.pb-c.h"
#include "dump.h"
#include "log.h"
#include "nsfs.h"
#include "dump-cgroup.h"
#include "proc-cgroup.h"

struct dump_cg_set {
	uint32_t id;
	struct proc_cgroups cgs;
};

struct dump_cg {
	struct dump_cg_set *sets;
	size_t n;
	/* the root's own cgroup namespace: its cgroups seen from inside (n == 0: the tool's) */
	struct proc_cgroups nsview;
};

static bool cg_sets_equal(const struct proc_cgroups *a, const struct proc_cgroups *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->c[i].ctrls, b->c[i].ctrls) || strcmp(a->c[i].path, b->c[i].path))
			return false;
	return true;
}

/* The root's cgroups as its own cgroup namespace shows them, when it has one. */
static int cg_read_nsview(struct dump_cg *cg, pid_t pid)
{
	uint64_t tool = 0, root = 0;
	int back, ret, r;

	if (ns_read_ino(0, "cgroup", &tool) || ns_read_ino(pid, "cgroup", &root) || tool == root)
		return 0;
	ret = ns_enter(pid, "cgroup", CLONE_NEWCGROUP, &back);
	if (ret) {
		pr_err("dump: entering the cgroup namespace of pid %d: %s", pid, strerror(-ret));
		return ret;
	}
	ret = proc_read_cgroup(pid, &cg->nsview);
	r = ns_leave(back, CLONE_NEWCGROUP);
	if (ret || r) {
		pr_err("dump: cgroups of pid %d inside its cgroup namespace: %s", pid,
		       strerror(-(ret ? ret : r)));
		proc_cgroups_free(&cg->nsview);
		return ret ? ret : r;
	}
	return 0;
}

int dump_cgroup_task(struct dump_ctx *ctx, const struct dump_task *t, uint32_t *set)
{
	struct proc_cgroups cgs;
	struct dump_cg *cg;
	int ret;

	if (!ctx->cg) {
		ctx->cg = calloc(1, sizeof(*ctx->cg));
		if (!ctx->cg)
			return -ENOMEM;
		ret = cg_read_nsview(ctx->cg, ctx->tasks[0].pid);
		if (ret)
			return ret;
	}
	cg = ctx->cg;
	ret = proc_read_cgroup(t->pid, &cgs);
	if (ret) {
		pr_err("dump: cgroups of pid %d (/proc/%d/cgroup): %s", t->pid, t->pid,
		       strerror(-ret));
		return ret;
	}
	for (size_t i = 0; i < cg->n; i++) {
		if (cg_sets_equal(&cg->sets[i].cgs, &cgs)) {
			proc_cgroups_free(&cgs);
			*set = cg->sets[i].id;
			return 0;
		}
	}
	if (ARRAY_GROW(cg->sets, cg->n)) {
		proc_cgroups_free(&cgs);
		return -ENOMEM;
	}
	cg->sets[cg->n].id = (uint32_t)cg->n + 1;
	cg->sets[cg->n].cgs = cgs;
	*set = cg->sets[cg->n++].id;
	return 0;
}

uint32_t dump_cgroup_root_set(const struct dump_ctx *ctx)
{
	return ctx->cg && ctx->cg->n ? ctx->cg->sets[0].id : 0;
}

/* The length of @full's part that is the namespace root, given @inside, its view from in there. */
static uint32_t cg_ns_prefix(const char *full, const char *inside)
{
	size_t lf = strlen(full), li = strlen(inside);

	if (!strcmp(inside, "/"))
		return (uint32_t)lf;
	if (li <= lf && !strcmp(full + lf - li, inside))
		return (uint32_t)(lf - li);
	return 0;
}

static void cg_members_free(CgSetEntry *s)
{
	for (size_t j = 0; j < s->n_ctls; j++)
		free(s->ctls[j]);
	free(s->ctls);
}

static int cg_fill_set(const struct dump_cg *cg, const struct dump_cg_set *ds, CgSetEntry *s)
{
	cg_set_entry__init(s);
	s->id = ds->id;
	s->ctls = calloc(ds->cgs.n ? ds->cgs.n : 1, sizeof(*s->ctls));
	if (!s->ctls)
		return -ENOMEM;
	for (size_t j = 0; j < ds->cgs.n; j++) {
		const struct proc_cgroup *pc = &ds->cgs.c[j];
		const struct proc_cgroup *in = proc_cgroup_find(&cg->nsview, pc->ctrls);
		const struct proc_cgroup *rc = proc_cgroup_find(&cg->sets[0].cgs, pc->ctrls);
		CgMemberEntry *m = calloc(1, sizeof(*m));

		if (!m)
			return -ENOMEM;
		cg_member_entry__init(m);
		m->name = pc->ctrls;
		m->path = pc->path;
		/*
		 * Every process of the tree shares the root's cgroup namespace
		 * (dump-ns.c), whose root the root's view tells: the same prefix
		 * for every member below it.
		 */
		if (in && rc) {
			uint32_t len = cg_ns_prefix(rc->path, in->path);

			m->has_cgns_prefix = !strncmp(pc->path, rc->path, len) &&
					     (!pc->path[len] || pc->path[len] == '/' || len <= 1);
			m->cgns_prefix = m->has_cgns_prefix ? len : 0;
		}
		s->ctls[s->n_ctls++] = m;
	}
	return 0;
}

int dump_cgroup_write(struct dump_ctx *ctx)
{
	struct dump_cg *cg = ctx->cg;
	CgroupEntry e = CGROUP_ENTRY__INIT;
	CgControllerEntry **ctl = NULL;
	const struct proc_cgroups **all = NULL;
	CgSetEntry *sets;
	size_t n_ctl = 0;
	int ret = 0;

	if (!cg || !cg->n)
		return 0;
	sets = calloc(cg->n, sizeof(*sets));
	e.sets = calloc(cg->n, sizeof(*e.sets));
	if (!sets || !e.sets)
		ret = -ENOMEM;
	for (size_t i = 0; i < cg->n && !ret; i++) {
		ret = cg_fill_set(cg, &cg->sets[i], &sets[i]);
		e.sets[e.n_sets++] = &sets[i];
	}
	all = calloc(cg->n, sizeof(*all));
	if (!all)
		ret = -ENOMEM;
	for (size_t i = 0; i < cg->n && !ret; i++)
		all[i] = &cg->sets[i].cgs;
	if (!ret)
		ret = dump_cgroup_dirs(all, cg->n, &ctl, &n_ctl);
	free(all);
	e.controllers = ctl;
	e.n_controllers = n_ctl;
	if (!ret)
		ret = img_write_one(&ctx->dir, IMG_CGROUP, 0, &e.base);
	dump_cgroup_dirs_free(ctl, n_ctl);
	for (size_t i = 0; i < e.n_sets; i++)
		cg_members_free(&sets[i]);
	free(sets);
	free(e.sets);
	return ret;
}

void dump_cgroup_free(struct dump_ctx *ctx)
{
	if (!ctx->cg)
		return;
	for (size_t i = 0; i < ctx->cg->n; i++)
		proc_cgroups_free(&ctx->cg->sets[i].cgs);
	free(ctx->cg->sets);
	proc_cgroups_free(&ctx->cg->nsview);
	free(ctx->cg);
	ctx->cg = NULL;
}
