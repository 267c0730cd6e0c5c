/*
 * Namespaces the tree's root owned (docs/containers.md): the dump wrote the
 * images of each one it can rebuild and refused the rest, so a namespace id
 * whose images are present is made anew by the root, right after it is
 * forked and before its children (who share it); without images it is the
 * tool's. Every process must share the root's: refused before anything
 * exists otherwise.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "nsfs.h"
#include "options.h"
#include "proc-stat.h"
#include "restore-ns.h"
#include "restore.h"

struct rst_ns_kind {
	const char *name;
	int nstype;
	unsigned int empty;	/* the --empty-ns bit that makes an empty one */
	size_t has_off, id_off; /* in TaskKobjIdsEntry */
	const struct rst_ns_ops *ops;
};

#define NS_FIELDS(f) offsetof(TaskKobjIdsEntry, has_##f), offsetof(TaskKobjIdsEntry, f)

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* In the order the root rebuilds them: time before mnt, which replaces /proc. */
static const struct rst_ns_kind rst_ns_kinds[] = {
	{"time", CLONE_NEWTIME, 0, NS_FIELDS(time_ns_id), &rst_ns_time},
	{"uts", CLONE_NEWUTS, 0, NS_FIELDS(uts_ns_id), &rst_ns_uts},
	{"ipc", CLONE_NEWIPC, 0, NS_FIELDS(ipc_ns_id), &rst_ns_ipc},
	{"mnt", CLONE_NEWNS, 0, NS_FIELDS(mnt_ns_id), &rst_ns_mnt},
	{"cgroup", CLONE_NEWCGROUP, 0, NS_FIELDS(cgroup_ns_id), &rst_ns_cgroup},
	{"net", CLONE_NEWNET, OPTS_EMPTY_NS_NET, NS_FIELDS(net_ns_id), &rst_ns_net},
};

#define RST_NS_KINDS (sizeof(rst_ns_kinds) / sizeof(rst_ns_kinds[0]))

struct rst_ns {
	void *st[RST_NS_KINDS]; /* NULL: the tool's namespace */
	int nstypes;		/* what the root unshares */
	int back[RST_NS_KINDS]; /* made by the tool: its own, to go back to (fd + 1) */
};

/* Namespace id of kind @k of @ids, or 0 when not recorded. */
static uint32_t rst_ns_id(const TaskKobjIdsEntry *ids, size_t k)
{
	const struct rst_ns_kind *kd = &rst_ns_kinds[k];

	if (!ids || !*(const protobuf_c_boolean *)((const char *)ids + kd->has_off))
		return 0;
	return *(const uint32_t *)((const char *)ids + kd->id_off);
}

static int rst_ns_check_shared(const struct rst_ctx *c, size_t k, uint32_t root_id)
{
	for (size_t i = 1; i < c->nr_tasks; i++) {
		uint32_t id = rst_ns_id(c->tasks[i].ids, k);

		if (id && id != root_id) {
			pr_err("restore: pid %d is in another %s namespace (%u) than the root "
			       "(%u): "
			       "not supported",
			       c->tasks[i].pid, rst_ns_kinds[k].name, id, root_id);
			return -EOPNOTSUPP;
		}
	}
	return 0;
}

int rst_ns_read(struct rst_ctx *c)
{
	const TaskKobjIdsEntry *root = c->nr_tasks ? c->tasks[0].ids : NULL;
	int ret = 0;

	for (size_t k = 0; k < RST_NS_KINDS && root && !ret; k++) {
		uint32_t id = rst_ns_id(root, k);
		void *st = NULL;

		if (!id)
			continue;
		ret = rst_ns_check_shared(c, k, id);
		if (!ret)
			ret = rst_ns_kinds[k].ops->read(&c->dir, c->o, id, &st);
		if (ret == -ENOENT && (rst_ns_kinds[k].empty & c->o->empty_ns))
			ret = rst_ns_kinds[k].ops->empty(&st);
		if (ret == -ENOENT) {
			ret = 0;
			continue;
		}
		if (!ret && !c->ns && !(c->ns = calloc(1, sizeof(*c->ns))))
			ret = -ENOMEM;
		if (ret) {
			if (st)
				rst_ns_kinds[k].ops->free(st);
			break;
		}
		c->ns->st[k] = st;
		if (!rst_ns_kinds[k].ops->make)
			c->ns->nstypes |= rst_ns_kinds[k].nstype;
		pr_info("restore: the root gets its own %s namespace (id %u)", rst_ns_kinds[k].name,
			id);
	}
	return ret;
}

int rst_ns_make(struct rst_ctx *c)
{
	for (size_t k = 0; c->ns && k < RST_NS_KINDS; k++) {
		const struct rst_ns_kind *kd = &rst_ns_kinds[k];
		char path[64];
		int back, ret;

		if (!c->ns->st[k] || !kd->ops->make)
			continue;
		snprintf(path, sizeof(path), "/proc/thread-self/ns/%s", kd->name);
		back = open(path, O_RDONLY | O_CLOEXEC);
		if (back < 0 || unshare(kd->nstype)) {
			ret = -errno;
			pr_err("restore: a new %s namespace for the tree: %s", kd->name,
			       strerror(-ret));
			if (back >= 0)
				close(back);
			return ret;
		}
		c->ns->back[k] = back + 1;
		pr_info("restore: the tool makes the new %s namespace of the tree", kd->name);
		/* the lock first: no link, address or socket there is reachable unlocked */
		ret = kd->nstype == CLONE_NEWNET ? rst_netlock_ns_take(c) : 0;
		if (ret)
			return ret;
		ret = kd->ops->make(c->ns->st[k], &(struct rst_ns_env){c->o, back});
		if (ret)
			return ret; /* rst_ns_back goes back */
	}
	return 0;
}

int rst_ns_back(struct rst_ctx *c)
{
	int ret = 0;

	for (size_t k = 0; c->ns && k < RST_NS_KINDS; k++) {
		int back = c->ns->back[k] - 1;

		if (back < 0)
			continue;
		if (setns(back, rst_ns_kinds[k].nstype) && !ret) {
			ret = -errno;
			pr_err("restore: back into the tool's %s namespace: %s",
			       rst_ns_kinds[k].name, strerror(-ret));
		}
		close(back);
		c->ns->back[k] = 0;
	}
	return ret;
}

int rst_ns_apply(const struct rst_ctx *c, const char **what)
{
	if (!c->ns || !c->ns->nstypes)
		return 0;
	if (unshare(c->ns->nstypes)) {
		*what = "unshare";
		return -errno;
	}
	for (size_t k = 0; k < RST_NS_KINDS; k++) {
		const struct rst_ns_ops *ops = rst_ns_kinds[k].ops;
		int ret = c->ns->st[k] && ops->apply ? ops->apply(c->ns->st[k], what) : 0;

		if (ret)
			return ret;
	}
	return 0;
}

int rst_ns_join(const struct rst_ctx *c)
{
	for (size_t k = 0; c->ns && k < RST_NS_KINDS; k++) {
		const struct rst_ns_kind *kd = &rst_ns_kinds[k];
		int back, ret;

		if (!c->ns->st[k] || !kd->ops->tool_joins)
			continue;
		ret = ns_enter(c->tasks[0].pid, kd->name, kd->nstype, &back);
		if (ret) {
			pr_err("restore: entering the new %s namespace of pid %d: %s", kd->name,
			       c->tasks[0].pid, strerror(-ret));
			return ret;
		}
		close(back); /* the tool stays there: the rest of the restore works in it */
	}
	return 0;
}

bool rst_ns_pid_new(const struct rst_ctx *c)
{
	return c->nr_tasks && c->tasks[0].vpid == 1;
}

int rst_ns_clone_flags(const struct rst_ctx *c)
{
	return rst_ns_pid_new(c) ? CLONE_NEWPID : 0;
}

/* Task @vpid of @c, or NULL. */
static struct rst_task *rst_ns_task(struct rst_ctx *c, pid_t vpid)
{
	for (size_t i = 0; i < c->nr_tasks; i++)
		if (c->tasks[i].vpid == vpid)
			return &c->tasks[i];
	return NULL;
}

/*
 * Every process of the new pid namespace, found from the init down through
 * /proc/PID/task/TID/children in the tool's /proc, gets its pid there (its
 * NSpid names the recorded one). The processes cannot tell it themselves:
 * their /proc may already be the new namespace's.
 */
int rst_ns_outer(struct rst_ctx *c)
{
	pid_t *todo;
	size_t n = 1, found = 0;

	if (!rst_ns_pid_new(c))
		return 0;
	todo = calloc(c->nr_tasks + 1, sizeof(*todo));
	if (!todo)
		return -ENOMEM;
	todo[0] = c->tasks[0].pid; /* the tool's view of the init, from clone3 */
	for (size_t k = 0; k < n; k++) {
		char path[64];
		struct proc_status st;
		struct rst_task *t;
		FILE *f;
		int kid;

		if (proc_read_status(todo[k], 0, &st) || !(t = rst_ns_task(c, st.nspid_last)))
			continue;
		t->pid = todo[k];
		if (t->nr_th)
			t->th[0].tid = todo[k];
		found++;
		snprintf(path, sizeof(path), "/proc/%d/task/%d/children", todo[k], todo[k]);
		f = fopen(path, "r");
		while (f && n < c->nr_tasks && fscanf(f, "%d", &kid) == 1)
			todo[n++] = kid;
		if (f)
			fclose(f);
	}
	free(todo);
	if (found != c->nr_tasks) {
		pr_err("restore: found %zu of the %zu processes of the new pid namespace under its "
		       "init, pid %d",
		       found, c->nr_tasks, c->tasks[0].pid);
		return -ESRCH;
	}
	return 0;
}

pid_t rst_ns_outer_tid(const struct rst_ctx *c, pid_t pid, pid_t vtid)
{
	char path[64];
	DIR *d;
	struct dirent *e;
	pid_t found = 0;

	if (!rst_ns_pid_new(c))
		return vtid;
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	while (d && !found && (e = readdir(d))) {
		struct proc_status st;
		pid_t tid = (pid_t)atoi(e->d_name);

		if (tid > 0 && !proc_read_status(pid, tid, &st) && st.nspid_last == vtid)
			found = tid;
	}
	if (d)
		closedir(d);
	return found ? found : -ESRCH;
}

void rst_ns_free(struct rst_ctx *c)
{
	rst_ns_back(c);
	for (size_t k = 0; c->ns && k < RST_NS_KINDS; k++)
		if (c->ns->st[k])
			rst_ns_kinds[k].ops->free(c->ns->st[k]);
	free(c->ns);
	c->ns = NULL;
}

int rst_ns_devpts(const struct rst_ctx *c, unsigned int maj, unsigned int min)
{
	for (size_t k = 0; c->ns && k < RST_NS_KINDS; k++) {
		const struct rst_ns_ops *ops = rst_ns_kinds[k].ops;
		int fd =
			c->ns->st[k] && ops->devpts ? ops->devpts(c->ns->st[k], maj, min) : -ENOENT;

		if (fd != -ENOENT)
			return fd;
	}
	return -ENOENT;
}
