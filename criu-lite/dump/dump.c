/*
 * The order of a dump: freeze the tree, write every task's images, then
 * resume it (--leave-running or any failure) or kill it. Whatever happens
 * after the freeze, the tree is resumed or killed before we return.
 */
#include <errno.h>
#include <time.h>
#include <string.h>

#include "action.h"
#include "dump-cow.h"
#include "dump.h"
#include "log.h"
#include "page-xfer.h"

/* A phase of @pid ended: -v4 logs it (with the log's timestamp), then the stop check. */
static int dump_phase(struct dump_ctx *ctx, pid_t pid, const char *phase)
{
	pr_debug("dump: %d: %s done\n", (int)pid, phase);
	return dump_checkpoint(ctx, phase);
}

static int dump_task(struct dump_ctx *ctx, struct dump_task *t)
{
	int ret;

	bool pre = ctx->hooks.pre_dump;

	ret = dump_write_ids(ctx, t);
	if (!ret && !pre)
		ret = dump_task_core(ctx, t);
	if (!ret)
		ret = dump_phase(ctx, t->pid, "core");
	if (ret || t->zombie)
		return ret;
	ret = dump_task_mm(ctx, t);
	if (!ret)
		ret = dump_phase(ctx, t->pid, "mm");
	if (!ret && ctx->hooks.task_begin) {
		ret = ctx->hooks.task_begin(ctx->hooks.arg, t->pid);
		if (ret)
			pr_err("dump: write tracking of pid %d: %s", t->pid,
			       strerror(ret < 0 ? -ret : ret));
		else
			pr_debug("dump: %d: tracker done\n", (int)t->pid);
	}
	if (!ret)
		ret = dump_task_pages(ctx, t);
	if (!ret)
		ret = dump_phase(ctx, t->pid, "pages");
	if (ret || pre)
		return ret;
	ret = dump_task_files(ctx, t);
	if (!ret)
		ret = dump_task_fs(ctx, t);
	if (!ret)
		ret = dump_phase(ctx, t->pid, "files");
	return ret;
}

/* -v4: how long one step of the setup before the freeze took; *t moves on. */
static void dump_setup_step(const char *step, uint64_t *t)
{
	uint64_t now = dump_now_us();

	pr_debug("dump: setup: %s took %llu us", step, (unsigned long long)(now - *t));
	*t = now;
}

/* The wall clock at the freeze, for scripts measuring downtime (live-migrate). */
static void dump_log_freeze_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	pr_info("dump: freezing the tree at realtime %lld.%06ld", (long long)ts.tv_sec,
		ts.tv_nsec / 1000);
}

static int dump_frozen(struct dump_ctx *ctx)
{
	int ret;

	ret = dump_checkpoint(ctx, "seized");
	if (!ret)
		ret = dump_collect_ids(ctx);
	if (!ret)
		ret = dump_write_pstree(ctx);
	for (size_t i = 0; i < ctx->nr_tasks && !ret; i++)
		ret = dump_task(ctx, &ctx->tasks[i]);
	if (!ret)
		ret = dump_files_finish(ctx);
	if (!ret)
		ret = dump_seccomp_finish(ctx);
	if (!ret && !ctx->pre_dump)
		ret = dump_cgroup_write(ctx);
	if (!ret)
		ret = dump_phase(ctx, 0, "written");
	return ret;
}

/*
 * Makes the images a dump: every image closed with its errors checked and on
 * disk, then the inventory, which restore requires, written and synced last.
 * A dump that fails before this leaves no inventory behind.
 */
static int dump_seal(struct dump_ctx *ctx)
{
	int ret = dump_files_close(ctx);

	if (!ret)
		ret = img_dir_sync(&ctx->dir);
	if (!ret)
		ret = dump_write_inventory(ctx);
	if (!ret)
		ret = img_dir_sync(&ctx->dir);
	if (!ret)
		ret = dump_phase(ctx, 0, "sealed");
	return ret;
}

/* The tree goes on (resumed or left stopped) or dies, once the dump ended with @ret. */
static void dump_release_tree(struct dump_ctx *ctx, int ret, bool kill)
{
	const struct opts *o = ctx->o;

	dump_files_release(ctx, ret || !kill);
	/* After repair mode is left: a tree that goes on gets its connections back. */
	dump_netlock_release(ctx, !ret && !o->leave_running && !ctx->pre_dump);
	if (ret || o->leave_running || ctx->pre_dump)
		dump_resume_tree(ctx);
	else if (o->leave_stopped)
		dump_stop_tree(ctx);
	else {
		dump_guard_note_killing();
		dump_kill_tree(ctx);
	}
}

/* One dump; @no_cow: pages copied frozen; *@cow_lost: the copy after the thaw lost a page. */
static int dump_run_once(const struct opts *o, const struct dump_hooks *hooks, bool no_cow,
			 bool *cow_lost)
{
	struct dump_ctx ctx;
	uint64_t t_step;
	pid_t exited = 0;
	bool kill;
	int ret;

	memset(&ctx, 0, sizeof(ctx));
	ctx.o = o;
	ctx.no_cow = no_cow;
	if (hooks) {
		ctx.hooks = *hooks;
		ctx.filter = hooks->filter;
		ctx.pre_dump = hooks->pre_dump;
	}
	ctx.st.t_start = dump_now_us();
	t_step = ctx.st.t_start;
	ret = img_dir_open(o->images_dir ? o->images_dir : ".",
			   IMG_DIR_CREATE | IMG_DIR_WRITE |
				   (o->allow_unsafe_images_dir ? IMG_DIR_TRUSTED : 0),
			   &ctx.dir);
	if (ret)
		return ret;
	/* An older dump's inventory must not vouch for this dump's images. */
	ret = img_remove(&ctx.dir, IMG_INVENTORY, 0);
	dump_setup_step("images dir", &t_step);
	/* criu's first stage: before anything is set up or seized */
	if (!ret)
		ret = action_run(o, ACTION_PRE_DUMP, 0);
	if (!ret && o->prev_images_dir)
		ret = img_dir_link_parent(&ctx.dir, o->prev_images_dir);
	/* every dump: tracking, or at least the tracker fds left in the tree */
	if (!ret && !ctx.hooks.task_begin)
		ret = dump_track_setup(&ctx);
	dump_setup_step("tracker", &t_step);
	if (!ret && o->page_server)
		ret = page_xfer_start(o, &ctx.px);
	dump_setup_step("page server", &t_step);
	if (!ret) {
		dump_mm_prefetch(&ctx, o->pid); /* smaps outside the freeze */
		dump_setup_step("smaps", &t_step);
	}
	/* sized by what smaps found */
	if (!ret)
		ret = dump_pages_init(&ctx);
	dump_setup_step("page buffer", &t_step);
	if (!ret)
		ret = dump_cow_setup(&ctx);
	if (!ret)
		ret = dump_files_init(&ctx);
	dump_setup_step("fd kinds", &t_step);
	/* Listeners held, their queues drained: before the freeze, bounded. */
	if (!ret)
		ret = dump_netlock_prepare(&ctx);
	dump_setup_step("network lock", &t_step);
	/* last: the shorter the time from the protection to the freeze, the less to redo */
	if (!ret) {
		dump_cow_arm_early(&ctx);
		dump_setup_step("copy-on-write arming", &t_step);
	}
	if (!ret) {
		uint64_t t_seize;

		/*
		 * Freezing time is the seize alone: the setup above (page buffer,
		 * tracker, page server, smaps) runs while the tree still runs.
		 */
		t_seize = dump_now_us();
		pr_debug("dump: setup before the freeze took %llu us",
			 (unsigned long long)(t_seize - ctx.st.t_start));
		dump_log_freeze_clock();
		/* the keeper thaws a freezer cgroup a killed worker left frozen */
		dump_guard_note_freezer(o->freeze_cgroup);
		ret = dump_seize_tree(&ctx, o->pid);
		dump_guard_note_freezer(NULL); /* thawed by the seize, whatever its end */
		ctx.st.t_frozen = dump_now_us();
		ctx.st.freezing_us = ctx.st.t_frozen - t_seize;
	}
	if (!ret)
		ret = dump_frozen(&ctx);
	/* Memory sent to a page server counts only once the server has it all. */
	if (!ret && ctx.px)
		ret = page_xfer_commit(ctx.px);
	if (ctx.hooks.end && ctx.st.t_frozen) {
		/* The tree is still frozen: trackers finish while they can inject. */
		int r = ctx.hooks.end(ctx.hooks.arg, &ctx.dir, ret == 0);

		pr_debug("dump: tracking state saved\n");
		ret = ret ?: r;
	}
	kill = !(o->leave_running || ctx.pre_dump || o->leave_stopped);
	/* Killed, the tree lives on only in the images: they are on disk first. */
	if (!ret && kill && ctx.st.t_frozen)
		ret = dump_seal(&ctx);
	/* The images are written, the tree still frozen: a refusal resumes it. */
	if (!ret && ctx.st.t_frozen)
		ret = action_run(o, ACTION_POST_DUMP, 0);
	if (ctx.st.t_frozen)
		dump_release_tree(&ctx, ret, kill);
	else /* failed before the freeze: listeners may be held already */
		dump_netlock_release(&ctx, false);
	if (ret)
		exited = dump_tree_exited(&ctx, ret);
	ctx.st.t_thawed = dump_now_us();
	/* dump -R: the pages copied now, as they were at the freeze */
	if (!ret && !kill) {
		ret = dump_cow_copy(&ctx);
		*cow_lost = ret == -EAGAIN;
	}
	if (!ret && !kill)
		ret = dump_seal(&ctx);
	if (ret)
		img_remove(&ctx.dir, IMG_INVENTORY, 0);
	dump_files_fini(&ctx);
	dump_seccomp_fini(&ctx);
	dump_netlock_fini(&ctx);
	/* Statistics are for the reader only: the dump stands without them. */
	if (!ret && dump_write_stats(&ctx))
		pr_warn("dump: the statistics image (stats-dump) could not be written");
	dump_cow_free(&ctx);
	dump_pages_fini(&ctx);
	dump_tasks_free(&ctx);
	dump_mm_prefetch_free(&ctx);
	dump_track_free(&ctx);
	page_xfer_close(ctx.px);
	img_dir_close(&ctx.dir);
	if (ret && *cow_lost)
		pr_debug("dump: the copy after the thaw failed");
	else if (ret && exited)
		pr_err("dump of pid %d failed: process %d exited during the dump; the rest of the "
		       "tree was resumed",
		       o->pid, exited);
	else if (ret)
		pr_err("dump of pid %d failed; the tree was resumed", o->pid);
	else
		pr_debug("dump: done");
	return ret;
}

int dump_run(const struct opts *o, const struct dump_hooks *hooks)
{
	bool lost = false;
	int ret = dump_run_once(o, hooks, false, &lost);

	/*
	 * The tree unmapped or discarded memory the copy had not reached yet
	 * (dump-cow-serve.c): the images cannot hold the freeze's state. A
	 * second dump copies while frozen, as before copy-on-write.
	 */
	if (ret && lost)
		ret = dump_run_once(o, hooks, true, &lost);
	return ret;
}
