/*
 * The process tree: pstree.img, per-process kernel object ids (ids-PID.img)
 * found with kcmp(2), and inventory.img.
 */
#include <errno.h>
#include <linux/kcmp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "dump.h"
#include "inventory.pb-c.h"
#include "log.h"
#include "pstree.pb-c.h"

static int kcmp_same(pid_t a, pid_t b, int type)
{
	return syscall(SYS_kcmp, a, b, type, 0, 0) == 0;
}

/* The id of the first earlier task sharing the object, or a new one. */
static uint32_t kobj_id(struct dump_ctx *ctx, size_t idx, int type, size_t field_off, bool *own)
{
	struct dump_task *t = &ctx->tasks[idx];

	*own = true;
	if (t->zombie)
		return ++ctx->next_kobj_id;
	for (size_t j = 0; j < idx; j++) {
		struct dump_task *o = &ctx->tasks[j];

		if (o->zombie || !kcmp_same(t->pid, o->pid, type))
			continue;
		*own = false;
		return *(uint32_t *)((char *)o + field_off);
	}
	return ++ctx->next_kobj_id;
}

int dump_collect_ids(struct dump_ctx *ctx)
{
	int ret = dump_ns_collect(ctx);

	if (ret)
		return ret;
	for (size_t i = 0; i < ctx->nr_tasks; i++) {
		struct dump_task *t = &ctx->tasks[i];

		t->vm_id = kobj_id(ctx, i, KCMP_VM, offsetof(struct dump_task, vm_id), &t->own_vm);
		t->files_id = kobj_id(ctx, i, KCMP_FILES, offsetof(struct dump_task, files_id),
				      &t->own_files);
		t->fs_id = kobj_id(ctx, i, KCMP_FS, offsetof(struct dump_task, fs_id), &t->own_fs);
		t->sighand_id = kobj_id(ctx, i, KCMP_SIGHAND,
					offsetof(struct dump_task, sighand_id), &t->own_sighand);
		if (!t->zombie && !t->own_vm) {
			pr_err("dump: pid %d shares its address space with another process "
			       "(CLONE_VM without threads): not supported",
			       t->pid);
			return -EOPNOTSUPP;
		}
	}
	return 0;
}

int dump_write_pstree(struct dump_ctx *ctx)
{
	struct img *img;
	int ret;

	ret = img_open(&ctx->dir, IMG_PSTREE, 0, true, &img);
	if (ret)
		return ret;
	for (size_t i = 0; i < ctx->nr_tasks && !ret; i++) {
		struct dump_task *t = &ctx->tasks[i];
		PstreeEntry e = PSTREE_ENTRY__INIT;
		uint32_t *tids = calloc(t->nr_threads, sizeof(*tids));

		if (!tids) {
			ret = -ENOMEM;
			break;
		}
		for (size_t j = 0; j < t->nr_threads; j++)
			tids[j] = (uint32_t)t->threads[j].vtid;
		e.pid = (uint32_t)t->vpid;
		e.ppid = t->parent < 0 ? 0 : (uint32_t)ctx->tasks[t->parent].vpid;
		e.pgid = (uint32_t)dump_ns_vpid(ctx, t->pgid);
		e.sid = (uint32_t)dump_ns_vpid(ctx, t->sid);
		e.n_threads = t->nr_threads;
		e.threads = tids;
		ret = img_write_msg(img, &e.base);
		free(tids);
	}
	ret = img_close(img) ?: ret;
	return ret;
}

static void ids_fill(const struct dump_ctx *ctx, const struct dump_task *t, TaskKobjIdsEntry *e)
{
	dump_ns_fill_ids(ctx, e);
	e->vm_id = t->vm_id;
	e->files_id = t->files_id;
	e->fs_id = t->fs_id;
	e->sighand_id = t->sighand_id;
}

int dump_write_ids(struct dump_ctx *ctx, struct dump_task *t)
{
	TaskKobjIdsEntry e = TASK_KOBJ_IDS_ENTRY__INIT;

	ids_fill(ctx, t, &e);
	return img_write_one(&ctx->dir, IMG_IDS, (unsigned long)t->vpid, &e.base);
}

int dump_write_inventory(struct dump_ctx *ctx)
{
	InventoryEntry inv = INVENTORY_ENTRY__INIT;
	TaskKobjIdsEntry ids = TASK_KOBJ_IDS_ENTRY__INIT;

	inv.img_version = IMG_VERSION;
	inv.has_fdinfo_per_id = true;
	inv.fdinfo_per_id = true;
	inv.has_lsmtype = true;
	inv.lsmtype = LSMTYPE__NO_LSM;
	/* the restore releases the lock this dump leaves held (dump-netlock.c) */
	inv.network_lock_method = (uint32_t)dump_netlock_method(ctx);
	inv.has_network_lock_method = inv.network_lock_method != 0;
	/* the lock is named after the root's pid here, not the recorded one */
	inv.has_crl_netlock_pid = inv.has_network_lock_method && ctx->nr_tasks &&
				  ctx->tasks[0].vpid != ctx->tasks[0].pid;
	inv.crl_netlock_pid = inv.has_crl_netlock_pid ? (uint32_t)ctx->tasks[0].pid : 0;
	inv.has_crl_netlock_netns = dump_netlock_in_netns(ctx);
	inv.crl_netlock_netns = inv.has_crl_netlock_netns;
	inv.root_cg_set = dump_cgroup_root_set(ctx);
	inv.has_root_cg_set = inv.root_cg_set != 0;
	inv.has_tcp_close = ctx->o->tcp_close;
	inv.tcp_close = ctx->o->tcp_close;
	if (ctx->nr_tasks) {
		ids_fill(ctx, &ctx->tasks[0], &ids);
		inv.root_ids = &ids;
	}
	return img_write_one(&ctx->dir, IMG_INVENTORY, 0, &inv.base);
}

void dump_tasks_free(struct dump_ctx *ctx)
{
	for (size_t i = 0; i < ctx->nr_tasks; i++) {
		free(ctx->tasks[i].threads);
		proc_vma_list_free(&ctx->tasks[i].vmas);
	}
	free(ctx->tasks);
	ctx->tasks = NULL;
	dump_ns_free(ctx);
	dump_cgroup_free(ctx);
	ctx->nr_tasks = 0;
}
