/*
 * A pid namespace the root owns: restored only with the root as its init
 * (pid 1 there) and one level below the tool's, the shape of a container.
 * The images carry every process's and thread's pid in that namespace (the
 * last NSpid value of /proc/PID/status), as CRIU's do; the tool works with
 * its own view (dump_task.pid) and the images are named by the inner one.
 * No image of its own: restore tells it by the root's pid 1.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "dump-ns.h"
#include "dump.h"
#include "log.h"
#include "proc-stat.h"

static int dump_pid_threads(struct dump_task *t)
{
	if (t->nr_threads)
		t->threads[0].vtid = t->vpid;
	for (size_t j = 1; j < t->nr_threads && !t->zombie; j++) {
		struct proc_status st;
		int ret = proc_read_status(t->pid, t->threads[j].tid, &st);

		if (ret || st.nspid_last <= 0) {
			pr_err("dump: thread %d of pid %d: its pid in the tree's pid namespace "
			       "(NSpid): %s",
			       t->threads[j].tid, t->pid, ret ? strerror(-ret) : "absent");
			return ret ? ret : -EINVAL;
		}
		t->threads[j].vtid = st.nspid_last;
	}
	return 0;
}

static int dump_pid(struct dump_ctx *ctx, pid_t pid, uint32_t id)
{
	struct proc_status tool;
	const struct dump_task *root = &ctx->tasks[0];
	int ret = proc_read_status(getpid(), 0, &tool);

	if (ret)
		return ret;
	if (root->status.nspid_last != 1 || root->status.nspid_levels != tool.nspid_levels + 1) {
		pr_err("dump: pid %d is in its own pid namespace but is pid %d there, %d level(s) "
		       "below the tool's: only the init (pid 1) of a namespace one level below "
		       "can be dumped with it; dump the namespace's init",
		       pid, root->status.nspid_last, root->status.nspid_levels - tool.nspid_levels);
		return -EOPNOTSUPP;
	}
	for (size_t i = 0; i < ctx->nr_tasks && !ret; i++) {
		struct dump_task *t = &ctx->tasks[i];

		if (t->status.nspid_last <= 0) /* a zombie's status is not read at seize */
			proc_read_status(t->pid, 0, &t->status);
		if (t->status.nspid_last <= 0) {
			pr_err("dump: pid %d: no pid in the tree's pid namespace (NSpid)", t->pid);
			return -EINVAL;
		}
		t->vpid = t->status.nspid_last;
		ret = dump_pid_threads(t);
	}
	if (!ret)
		pr_info("dump: pid %d is the init of its own pid namespace (id %u)", pid, id);
	return ret;
}

const struct dump_ns_ops dump_ns_pid = {dump_pid};
