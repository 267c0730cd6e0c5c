/*
 * track-stop -t PID: ends write tracking of a tree without dumping it. The
 * tree is frozen, every tracker fd in it (a chain's, a copy a fork
 * inherited, one a killed pre-dump left) is closed by injection, the tree
 * runs on, and then our last copies are closed, which unregisters.
 */
#include <string.h>

#include "cmd.h"
#include "dump.h"
#include "log.h"

static int track_stop_run(const struct opts *o, const struct dump_hooks *hooks)
{
	struct dump_ctx ctx;
	int ret;

	memset(&ctx, 0, sizeof(ctx));
	ctx.o = o;
	ret = dump_seize_tree(&ctx, o->pid);
	if (!ret)
		ret = dump_track_stop(&ctx);
	dump_resume_tree(&ctx);
	dump_track_free(&ctx);
	dump_tasks_free(&ctx);
	if (ret)
		pr_err("track-stop of pid %d failed; the tree was resumed", o->pid);
	return ret;
}

/* Guarded like a dump: a killed worker leaves no thread mid-injection. */
int cmd_track_stop(const struct opts *o)
{
	return dump_run_guarded(track_stop_run, o, NULL);
}
