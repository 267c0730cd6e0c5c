/*
 * One restore from an images directory: the phases in order, each action
 * script stage between them, and the tree killed if any phase fails.
 * cmd-restore.c (also --staged) and the RPC layer call it.
 */
#include <errno.h>
#include <stdbool.h>
#include <time.h>

#include "action.h"
#include "caps.h"
#include "log.h"
#include "netlock.h"
#include "pidfile.h"
#include "restore-cgroup.h"
#include "restore.h"
#include "restore-lazy.h"

static double rst_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * The network lock the dump left (inventory.img names its method; its name
 * comes from the root pid) goes at the end, once every connection has left
 * repair mode, and when the restore fails: the peers then learn the truth.
 */
static void rst_netlock_release(const struct rst_ctx *c)
{
	if (rst_netlock_in_netns(c)) /* the restore's own, in the tree's namespace */
		rst_netlock_ns_release(c);
	else if (c->inv && c->inv->has_network_lock_method && c->pstree && c->nr_tasks)
		netlock_release_left((int)c->inv->network_lock_method, rst_netlock_root(c));
}

/* One restore from @dir, with memory staged ahead in @stage (or NULL). */
int rst_run(const struct opts *o, const char *dir, struct rst_stage *stage, pid_t *root)
{
	struct rst_ctx c = {
		.o = o, .stage = stage, .filler = stage ? rst_stage_filler(stage) : NULL};
	double t0 = rst_now();
	int ret;

	ret = action_run(o, ACTION_PRE_RESTORE, 0);
	/* --lazy-pages --page-server: the pages files are read from there */
	if (!ret && o->lazy_pages && o->page_server)
		ret = rst_remote_connect(&c);
	if (!ret)
		ret = rst_read_all(&c, dir);
	/* After the images' own checks (owner, credentials): those name the images. */
	if (!ret)
		ret = caps_require(o, "restore");
	/* before any file is opened: the lazy-pages server must hold none of the tree's */
	if (!ret && c.remote)
		ret = rst_remote_prefetch(&c);
	if (!ret && o->lazy_pages)
		ret = rst_lazy_start(&c);
	rst_remote_let_go(&c); /* the lazy-pages server goes on with the connection */
	pr_debug("restore: images read at %.6f", rst_now());
	if (!ret && stage) {
		struct rst_stage_stats st;

		/* The last delta; should it fail, nothing is staged and the restore fills it all.
		 */
		rst_stage_apply_ctx(stage, &c, &st);
	}
	/* before the files: sockets are made in the namespaces the tool makes */
	if (!ret)
		ret = rst_ns_make(&c);
	if (!ret)
		ret = rst_files_open(&c);
	if (!ret)
		ret = rst_cow_prepare(&c);
	if (!ret)
		ret = rst_cg_prepare(&c);
	if (!ret)
		ret = rst_tree_create(&c);
	/* the root made its own namespaces (restore-ns.c); the tool works in some */
	if (!ret)
		ret = rst_ns_join(&c);
	if (!ret)
		ret = action_run(o, ACTION_SETUP_NS, c.tasks[0].pid);
	if (!ret)
		ret = action_run(o, ACTION_POST_SETUP_NS, 0);
	if (!ret)
		ret = rst_files_owners(&c);
	/* Queued unix messages name their senders' pids: sent once the tree exists. */
	if (!ret)
		ret = rst_unix_after_tree(&c);
	pr_debug("restore: tree created at %.6f", rst_now());
	/* The new processes have the staged memory now: the tool's copies go. */
	if (stage && c.nr_tasks && c.tasks[0].created)
		rst_stage_release(stage);
	rst_cow_release(&c);
	rst_files_close(&c);
	pr_debug("restore: the tool's copies released at %.6f", rst_now());
	if (!ret)
		ret = rst_rebuild_all(&c);
	if (rst_ns_back(&c) && !ret)
		ret = -EIO;
	if (!ret && o->pidfile)
		ret = pidfile_write(o->pidfile, c.tasks[0].pid);
	if (ret) {
		bool created = c.nr_tasks && c.tasks[0].created;

		rst_tree_kill(&c);
		rst_lazy_end(&c); /* the server then exits, killing what is left */
		rst_netlock_release(&c);
		pr_err("restore from '%s' failed%s", dir,
		       created ? "; every process it created was killed" : "");
		rst_cow_free(&c);
		rst_premap_fini(&c);
		rst_remote_free(&c);
		rst_ctx_fini(&c);
		return 1;
	}
	*root = c.tasks[0].pid;
	rst_lazy_end(&c); /* the guard holds the uffds now */
	rst_netlock_release(&c);
	/* The tree runs already: a failure here cannot be undone, only reported. */
	if (action_run(o, ACTION_POST_RESUME, 0))
		pr_warn("restore: the post-resume stage failed; the tree runs on");
	pr_info("restored %zu process(es), root pid %d, in %.3f s", c.nr_tasks, *root,
		rst_now() - t0);
	rst_cow_free(&c);
	rst_premap_fini(&c);
	rst_remote_free(&c);
	rst_ctx_fini(&c);
	return 0;
}
