/*
 * Namespaces of the tree (docs/containers.md). Every process's namespace ids
 * go into its ids image (TaskKobjIdsEntry's *_ns_id fields), one id per
 * namespace, told apart by nsfs inode. What restore can rebuild: a tree
 * whose processes all share the root's namespaces, and for each kind, the
 * root in the tool's namespace (nothing to do) or in its own of a kind with
 * dump operations (dump-ns-<kind>.c), which writes its images. Anything else
 * is refused here, before any image of a process is written, naming the
 * kind and the pid: restoring it into the tool's namespaces would be wrong
 * silently.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.pb-c.h"
#include "dump-ns.h"
#include "dump.h"
#include "log.h"
#include "nsfs.h"
#include "options.h"

struct dump_ns_kind {
	const char *name;	       /* the /proc/PID/ns link */
	const char *for_children;      /* the link naming the one children enter, or NULL */
	size_t has_off, id_off;	       /* the fields in TaskKobjIdsEntry */
	const struct dump_ns_ops *ops; /* NULL: not restored, refused unless the tool's */
	unsigned int empty;	       /* the --empty-ns bit that leaves it undumped */
};

#define NS_FIELDS(f) offsetof(TaskKobjIdsEntry, has_##f), offsetof(TaskKobjIdsEntry, f)

/* In TaskKobjIdsEntry's order (DUMP_NS_KINDS). */
static const struct dump_ns_kind dump_ns_kinds[DUMP_NS_KINDS] = {
	{"pid", "pid_for_children", NS_FIELDS(pid_ns_id), &dump_ns_pid, 0},
	{"net", NULL, NS_FIELDS(net_ns_id), &dump_ns_net, OPTS_EMPTY_NS_NET},
	{"ipc", NULL, NS_FIELDS(ipc_ns_id), &dump_ns_ipc, 0},
	{"uts", NULL, NS_FIELDS(uts_ns_id), &dump_ns_uts, 0},
	{"mnt", NULL, NS_FIELDS(mnt_ns_id), &dump_ns_mnt, 0},
	{"user", NULL, NS_FIELDS(user_ns_id), NULL, 0},
	{"cgroup", NULL, NS_FIELDS(cgroup_ns_id), &dump_ns_cgroup, 0},
	{"time", "time_for_children", NS_FIELDS(time_ns_id), &dump_ns_time, 0},
};

struct dump_ns {
	uint64_t root_ino[DUMP_NS_KINDS]; /* 0: the kernel has no such kind */
	uint32_t root_id[DUMP_NS_KINDS];
	bool own[DUMP_NS_KINDS]; /* the root's is not the tool's */
};

/* Whether @t's namespaces (and those its children would enter) are the root's. */
static int dump_ns_check_task(const struct dump_ctx *ctx, const struct dump_task *t)
{
	const struct dump_ns *ns = ctx->ns;

	for (size_t k = 0; k < DUMP_NS_KINDS; k++) {
		const struct dump_ns_kind *kd = &dump_ns_kinds[k];
		uint64_t ino = 0, cino = 0;

		if (!ns->root_ino[k] || ns_read_ino(t->pid, kd->name, &ino))
			continue;
		if (ino != ns->root_ino[k]) {
			pr_err("dump: pid %d is in another %s namespace (%llu) than the root, pid "
			       "%d (%llu): a tree spread over several %s namespaces is not "
			       "supported",
			       t->pid, kd->name, (unsigned long long)ino, ctx->tasks[0].pid,
			       (unsigned long long)ns->root_ino[k], kd->name);
			return -EOPNOTSUPP;
		}
		if (kd->for_children && !ns_read_ino(t->pid, kd->for_children, &cino) &&
		    cino != ino) {
			pr_err("dump: pid %d has its children enter another %s namespace (%llu) "
			       "than its own (%llu; unshared without forking since): not "
			       "supported",
			       t->pid, kd->name, (unsigned long long)cino, (unsigned long long)ino);
			return -EOPNOTSUPP;
		}
	}
	return 0;
}

/* The root's namespaces: ids, and which are its own; refuses an own one of a kind not restored. */
static int dump_ns_root(struct dump_ctx *ctx)
{
	struct dump_ns *ns = ctx->ns;
	pid_t root = ctx->tasks[0].pid;

	for (size_t k = 0; k < DUMP_NS_KINDS; k++) {
		const struct dump_ns_kind *kd = &dump_ns_kinds[k];
		uint64_t tool = 0;

		if (ns_read_ino(0, kd->name, &tool) ||
		    ns_read_ino(root, kd->name, &ns->root_ino[k]))
			continue; /* no such kind in this kernel (time: before 5.6) */
		ns->root_id[k] = ++ctx->next_kobj_id;
		ns->own[k] = ns->root_ino[k] != tool;
		if (ns->own[k] && !kd->ops) {
			pr_err("dump: pid %d is in its own %s namespace (%llu, the tool's is "
			       "%llu): "
			       "%s namespaces are not restored yet (docs/containers.md); dump a "
			       "tree that shares the tool's %s namespace",
			       root, kd->name, (unsigned long long)ns->root_ino[k],
			       (unsigned long long)tool, kd->name, kd->name);
			return -EOPNOTSUPP;
		}
	}
	return 0;
}

int dump_ns_collect(struct dump_ctx *ctx)
{
	int ret;

	if (!ctx->nr_tasks)
		return 0;
	ctx->ns = calloc(1, sizeof(*ctx->ns));
	if (!ctx->ns)
		return -ENOMEM;
	/* the tool's pid namespace: the images keep the tool's pids */
	for (size_t i = 0; i < ctx->nr_tasks; i++) {
		ctx->tasks[i].vpid = ctx->tasks[i].pid;
		for (size_t j = 0; j < ctx->tasks[i].nr_threads; j++)
			ctx->tasks[i].threads[j].vtid = ctx->tasks[i].threads[j].tid;
	}
	ret = dump_ns_root(ctx);
	/* a zombie's links are gone: it is taken to be in its parent's */
	for (size_t i = 0; i < ctx->nr_tasks && !ret; i++)
		ret = ctx->tasks[i].zombie ? 0 : dump_ns_check_task(ctx, &ctx->tasks[i]);
	for (size_t k = 0; k < DUMP_NS_KINDS && !ret; k++)
		if (ctx->ns->own[k] && (dump_ns_kinds[k].empty & ctx->o->empty_ns))
			pr_info("dump: the %s namespace of pid %d is not dumped (--empty-ns)",
				dump_ns_kinds[k].name, ctx->tasks[0].pid);
		else if (ctx->ns->own[k])
			ret = dump_ns_kinds[k].ops->dump(ctx, ctx->tasks[0].pid,
							 ctx->ns->root_id[k]);
	return ret;
}

void dump_ns_fill_ids(const struct dump_ctx *ctx, TaskKobjIdsEntry *e)
{
	for (size_t k = 0; ctx->ns && k < DUMP_NS_KINDS; k++) {
		if (!ctx->ns->root_id[k])
			continue;
		*(protobuf_c_boolean *)((char *)e + dump_ns_kinds[k].has_off) = true;
		*(uint32_t *)((char *)e + dump_ns_kinds[k].id_off) = ctx->ns->root_id[k];
	}
}

pid_t dump_ns_vpid(const struct dump_ctx *ctx, pid_t pid)
{
	bool own = ctx->ns && ctx->ns->own[0]; /* pid: the first kind */

	if (!own || pid <= 0)
		return pid;
	for (size_t i = 0; i < ctx->nr_tasks; i++)
		for (size_t j = 0; j < ctx->tasks[i].nr_threads; j++)
			if (ctx->tasks[i].threads[j].tid == pid)
				return ctx->tasks[i].threads[j].vtid;
	for (size_t i = 0; i < ctx->nr_tasks; i++)
		if (ctx->tasks[i].pid == pid)
			return ctx->tasks[i].vpid;
	return 0;
}

/* The network namespace is the second kind (DUMP_NS_KINDS order). */
#define DUMP_NS_NET 1

bool dump_ns_net_own(const struct dump_ctx *ctx)
{
	return ctx->ns && ctx->ns->own[DUMP_NS_NET];
}

int dump_ns_net_enter(const struct dump_ctx *ctx, int *back)
{
	int ret;

	*back = -1;
	if (!dump_ns_net_own(ctx))
		return 0;
	ret = ns_enter(ctx->tasks[0].pid, "net", CLONE_NEWNET, back);
	if (ret)
		pr_err("dump: entering the network namespace of pid %d: %s", ctx->tasks[0].pid,
		       strerror(-ret));
	return ret;
}

int dump_ns_net_leave(int back)
{
	int ret = back >= 0 ? ns_leave(back, CLONE_NEWNET) : 0;

	if (ret)
		pr_err("dump: back into the tool's network namespace: %s", strerror(-ret));
	return ret;
}

void dump_ns_free(struct dump_ctx *ctx)
{
	free(ctx->ns);
	ctx->ns = NULL;
}
