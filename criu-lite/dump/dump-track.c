/*
 * The write trackers (tracker-ctx.c) plugged into a dump: used by pre-dump,
 * by dump --track-mem and by a dump with --prev-images-dir. Tracking starts
 * or continues for each process before its pages are read, the pages the
 * tracker proves unchanged become PE_PARENT entries, and the tracker state
 * goes into the images dir for the next dump of the chain. A dump without
 * --track-mem (and not a pre-dump) ends the chain: tracking is removed.
 * Every dump, tracking or not, recognises the tracker fds in the tree
 * (never dumped as the program's) and removes those no chain uses.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dump.h"
#include "log.h"
#include "tracker.h"

struct dump_track {
	struct tracker_ctx tc;
	struct img_dir parent;
	bool has_parent;
	bool final;
	bool started;
};

static int track_task_begin(void *arg, pid_t pid)
{
	struct dump_track *dt = arg;

	dt->started = true;
	return tracker_ctx_add_task(&dt->tc, pid);
}

static int track_changed(void *arg, pid_t pid, unsigned long start, size_t nr, const uint64_t *pme,
			 uint8_t *changed)
{
	struct dump_track *dt = arg;

	/* Without a parent every page is written. */
	if (!dt->has_parent)
		return 0;
	return tracker_filter_changed(&dt->tc, pid, start, nr, pme, changed);
}

static void track_written(void *arg, pid_t pid, unsigned long addr, const void *data, size_t nr)
{
	struct dump_track *dt = arg;

	tracker_note_written(&dt->tc, pid, addr, data, nr);
}

static bool track_hidden_fd(void *arg, pid_t pid, int fd)
{
	struct dump_track *dt = arg;

	return tracker_is_hidden_fd(&dt->tc, pid, fd);
}

static int track_end(void *arg, const struct img_dir *dir, bool ok)
{
	struct dump_track *dt = arg;
	int ret = 0;

	if (ok && !dt->final)
		ret = tracker_ctx_save(&dt->tc, dir);
	/*
	 * A dump that fails after its tracker began a new interval has consumed
	 * the writes it found (re-protected them): a retry against the same
	 * parent would miss them. Tracking ends, so the retry finds it lost and
	 * dumps whole. The last dump of a chain only looked: it leaves tracking
	 * as it was for a retry.
	 */
	tracker_ctx_fini(&dt->tc, ok && !ret ? dt->final : !dt->tc.last);
	return ret;
}

/* Hooks of a dump that does not track: the tracker fds left in the tree go. */
static struct dump_track *track_fds_only(struct dump_ctx *ctx)
{
	struct dump_track *dt = calloc(1, sizeof(*dt));

	if (!dt)
		return NULL;
	dt->final = true;
	tracker_ctx_init(&dt->tc, &tracker_none, NULL);
	dt->tc.fds_only = true;
	dt->tc.last = true;
	dt->tc.defer_release = true; /* unregistering after the thaw */
	ctx->track = dt;
	ctx->hooks.arg = dt;
	ctx->hooks.task_begin = track_task_begin;
	ctx->hooks.hidden_fd = track_hidden_fd;
	ctx->hooks.end = track_end;
	return dt;
}

int dump_track_setup(struct dump_ctx *ctx)
{
	const struct tracker_ops *ops;
	struct dump_track *dt;
	char why[512] = "";
	int ret;

	if (!ctx->pre_dump && !ctx->o->track_mem && !ctx->o->prev_images_dir)
		return track_fds_only(ctx) ? 0 : -ENOMEM;
	ret = tracker_select(ctx->o->tracker, &ops, why, sizeof(why));
	if (ret) {
		if (ctx->pre_dump || ctx->o->track_mem) {
			pr_err("dump: no write tracker: %s", why);
			return ret;
		}
		/* A plain dump with a parent link: write everything. */
		pr_warn("dump: no write tracker (%s); writing every page", why);
		return track_fds_only(ctx) ? 0 : -ENOMEM;
	}
	dt = calloc(1, sizeof(*dt));
	if (!dt)
		return -ENOMEM;
	dt->final = !ctx->pre_dump && !ctx->o->track_mem;
	if (ctx->o->prev_images_dir) {
		ret = img_dir_open_parent(&ctx->dir, &dt->parent);
		if (ret) {
			pr_err("dump: previous images '%s': %s", ctx->o->prev_images_dir,
			       strerror(-ret));
			free(dt);
			return ret;
		}
		dt->has_parent = true;
	}
	tracker_ctx_init(&dt->tc, ops, dt->has_parent ? &dt->parent : NULL);
	/* uffd-wp is unregistered by dump_track_free(), after the tree was thawed */
	dt->tc.defer_release = true;
	dt->tc.last = dt->final;
	pr_info("dump: write tracker %s%s", ops->name, dt->has_parent ? " (incremental)" : "");
	ctx->track = dt;
	ctx->hooks.arg = dt;
	ctx->hooks.task_begin = track_task_begin;
	ctx->hooks.filter.changed = track_changed;
	ctx->hooks.filter.arg = dt;
	ctx->filter = ctx->hooks.filter;
	if (ops->caps & TRACKER_CAP_NEEDS_DATA) /* the digests of what was written */
		ctx->hooks.written = track_written;
	ctx->hooks.hidden_fd = track_hidden_fd;
	ctx->hooks.end = track_end;
	return 0;
}

int dump_track_stop(struct dump_ctx *ctx)
{
	struct dump_track *dt = track_fds_only(ctx);
	int ret = dt ? 0 : -ENOMEM;

	for (size_t i = 0; i < ctx->nr_tasks && !ret; i++)
		if (!ctx->tasks[i].zombie)
			ret = track_task_begin(dt, ctx->tasks[i].pid);
	if (dt) {
		unsigned int removed;

		/* what track_end(ok) would do; counted before the session is gone */
		tracker_ctx_fini(&dt->tc, !ret);
		removed = dt->tc.nr_removed;
		pr_info("track-stop: %u tracker fd%s removed from the tree of %d", removed,
			removed == 1 ? "" : "s", ctx->o->pid);
	}
	return ret;
}

void dump_track_free(struct dump_ctx *ctx)
{
	struct dump_track *dt = ctx->track;

	if (!dt)
		return;
	/* A tree left stopped (live migration) waits for us: unregister elsewhere. */
	if (ctx->o->leave_stopped)
		tracker_ctx_release_detached(&dt->tc);
	else
		tracker_ctx_release(&dt->tc);
	if (dt->has_parent)
		img_dir_close(&dt->parent);
	free(dt);
	ctx->track = NULL;
}
