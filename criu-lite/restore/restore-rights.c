/*
 * Restore: the file-system rights of a restored task. Regular files and
 * FIFOs, file mappings, the exe link, the cwd and the root are opened with
 * the recorded fsuid, fsgid and supplementary groups of the task that will
 * hold them, never with the tool's own, whenever the images come from
 * someone else (restore --trust-images): as root the tool would otherwise
 * open whatever path an edited files.img names, with whatever flags.
 *
 * The kernel checks file access against the fsuid, fsgid and groups of the
 * calling thread only (credentials are per thread), and a change of fsuid
 * from 0 to non-zero also clears the file capabilities (CAP_DAC_OVERRIDE,
 * CAP_DAC_READ_SEARCH, CAP_FOWNER...) from its effective set (see
 * capabilities(7), "Effect of user ID changes on capabilities"). So the
 * tool's opens run in a short-lived thread that takes the task's rights
 * with the raw syscalls (glibc's wrappers would change every thread), and
 * a new process takes them itself before it enters its cwd (restore-tree.c)
 * and keeps them through the rebuild, until rst_creds_restore sets all of
 * its credentials. A task recorded with fsuid 0 opens as root did.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"
#include "restore.h"

#include "creds.pb-c.h"

_Static_assert(sizeof(gid_t) == sizeof(uint32_t), "setgroups takes the recorded gids as they are");

/* Whether the caller's supplementary groups are @r's, in any order. */
static bool rst_rights_same_groups(const struct rst_rights *r)
{
	gid_t mine[256];
	int n = getgroups(256, mine);

	if (n < 0 || (size_t)n != r->n_groups)
		return false;
	for (size_t i = 0; i < r->n_groups; i++) {
		bool found = false;

		for (int k = 0; k < n && !found; k++)
			found = mine[k] == r->groups[i];
		if (!found)
			return false;
	}
	return true;
}

void rst_rights_of(const struct rst_ctx *c, const struct rst_task *t, struct rst_rights *r)
{
	const CoreEntry *core = t->nr_th ? t->th[0].core : NULL;
	const CredsEntry *cr = core && core->thread_core ? core->thread_core->creds : NULL;

	memset(r, 0, sizeof(*r));
	r->pid = t->pid;
	/*
	 * Images the owner checks vouched for (root's own, as root) record what
	 * the dump saw the task hold, cwd and fds it kept after dropping its
	 * privileges included: restored as they are. Others' are not believed.
	 */
	if (!cr || cr->fsuid == 0 || !(c->o && c->o->trust_images))
		return;
	r->fsuid = cr->fsuid;
	r->fsgid = cr->fsgid;
	r->groups = cr->groups;
	r->n_groups = cr->n_groups;
	/* Already the tool's own (an unprivileged restore of one's own tree): nothing to take. */
	r->set = !(r->fsuid == geteuid() && r->fsgid == getegid() && rst_rights_same_groups(r));
}

int rst_rights_enter(const struct rst_rights *r)
{
	if (!r->set)
		return 0;
	if (syscall(SYS_setgroups, r->n_groups, r->groups))
		return -errno;
	/* setfs[ug]id report no error: the id they return for -1 tells whether it took. */
	syscall(SYS_setfsgid, r->fsgid);
	if ((gid_t)syscall(SYS_setfsgid, (gid_t)-1) != r->fsgid)
		return -EPERM;
	syscall(SYS_setfsuid, r->fsuid);
	if ((uid_t)syscall(SYS_setfsuid, (uid_t)-1) != r->fsuid)
		return -EPERM;
	return 0;
}

struct rst_rights_job {
	const struct rst_rights *r;
	int (*fn)(void *);
	void *arg;
	int entered, ret;
};

static void *rst_rights_main(void *p)
{
	struct rst_rights_job *j = p;

	j->entered = rst_rights_enter(j->r);
	if (!j->entered)
		j->ret = j->fn(j->arg);
	return NULL; /* the thread's credentials die with it */
}

int rst_rights_run(const struct rst_rights *r, int (*fn)(void *), void *arg)
{
	struct rst_rights_job j = {r, fn, arg, 0, 0};
	pthread_t th;
	int err;

	if (!r->set)
		return fn(arg);
	err = pthread_create(&th, NULL, rst_rights_main, &j);
	if (err) {
		pr_err("pid %d: cannot start a thread to open its files with: %s", r->pid,
		       strerror(err));
		return -err;
	}
	pthread_join(th, NULL);
	if (j.entered) {
		pr_err("pid %d: cannot take its file rights (fsuid %u, fsgid %u, %zu groups): %s",
		       r->pid, r->fsuid, r->fsgid, r->n_groups, strerror(-j.entered));
		return j.entered;
	}
	return j.ret;
}
