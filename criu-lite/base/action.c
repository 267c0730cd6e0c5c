/* --action-script stages (see action.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "action.h"
#include "log.h"

/* In the child: the environment criu gives its scripts, then sh -c SCRIPT. */
static void action_exec(const struct opts *o, const char *script, const char *stage, pid_t pid)
{
	const char *dir = o->images_dir ? o->images_dir : ".";
	char buf[32], path[4096];

	/* RPC's images dir is an fd of the tool (/proc/self/fd/N): name it from outside. */
	if (!strncmp(dir, "/proc/self/", 11)) {
		snprintf(path, sizeof(path), "/proc/%d/%s", (int)getppid(), dir + 11);
		dir = path;
	}
	setenv("CRTOOLS_SCRIPT_ACTION", stage, 1);
	setenv("CRTOOLS_IMAGE_DIR", dir, 1);
	if (pid) {
		snprintf(buf, sizeof(buf), "%d", (int)pid);
		setenv("CRTOOLS_INIT_PID", buf, 1);
	}
	execl("/bin/sh", "sh", "-c", script, (char *)NULL);
	_exit(127);
}

static int action_script(const struct opts *o, const char *script, const char *stage, pid_t pid)
{
	pid_t child;
	int st;

	fflush(stdout);
	fflush(stderr);
	child = fork();
	if (child < 0) {
		pr_err("action script '%s' (%s): cannot fork: %s", script, stage, strerror(errno));
		return -errno;
	}
	if (child == 0)
		action_exec(o, script, stage, pid);
	while (waitpid(child, &st, 0) < 0) {
		if (errno != EINTR) {
			pr_err("action script '%s' (%s): %s", script, stage, strerror(errno));
			return -errno;
		}
	}
	if (WIFEXITED(st) && !WEXITSTATUS(st))
		return 0;
	if (WIFSIGNALED(st))
		pr_err("action script '%s' failed at %s: killed by signal %d", script, stage,
		       WTERMSIG(st));
	else
		pr_err("action script '%s' failed at %s: exit status %d", script, stage,
		       WEXITSTATUS(st));
	return -ECANCELED;
}

int action_run(const struct opts *o, const char *stage, pid_t pid)
{
	int ret;

	pr_debug("action stage %s (pid %d)", stage, (int)pid);
	for (int i = 0; i < o->n_action_scripts; i++) {
		ret = action_script(o, o->action_scripts[i], stage, pid);
		if (ret)
			return ret;
	}
	if (!o->notify)
		return 0;
	ret = o->notify(o->notify_arg, stage, pid);
	if (ret)
		pr_err("the RPC client refused the %s stage%s", stage,
		       ret == -ECONNRESET ? " (it went away)" : "");
	return ret;
}
