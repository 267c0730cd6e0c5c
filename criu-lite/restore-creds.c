/*
 * Restore: credentials, per thread, last (they may drop the privileges the
 * rest of the restore needs). The order matters: bounding set while still
 * privileged, keep-caps across the uid change, groups, gids, uids, then the
 * capability sets and securebits. A non-root caller was already refused
 * anything beyond its own credentials in restore-read.c.
 */
#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "inject.h"
#include "log.h"
#include "restore.h"

#include "creds.pb-c.h"

static int rst_caps(const struct rst_thread *th, const CredsEntry *cr, struct inject *in,
		    unsigned long scratch)
{
	struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct data[2];
	long r;

	memset(data, 0, sizeof(data));
	for (size_t i = 0; i < 2; i++) {
		data[i].effective = i < cr->n_cap_eff ? cr->cap_eff[i] : 0;
		data[i].permitted = i < cr->n_cap_prm ? cr->cap_prm[i] : 0;
		data[i].inheritable = i < cr->n_cap_inh ? cr->cap_inh[i] : 0;
	}
	r = inject_write(in, scratch, &hdr, sizeof(hdr));
	if (!r)
		r = inject_write(in, scratch + 64, data, sizeof(data));
	if (!r)
		r = inject_call(in, SYS_capset, scratch, scratch + 64, 0, 0, 0, 0);
	if (r)
		pr_err("thread %d: capset: %s", th->tid, strerror((int)-r));
	return (int)r;
}

static int rst_bounding(const struct rst_thread *th, const CredsEntry *cr, struct inject *in)
{
	for (unsigned int cap = 0; cap < 64 && cr->n_cap_bnd; cap++) {
		size_t w = cap / 32;
		long r;

		if (w < cr->n_cap_bnd && (cr->cap_bnd[w] & (1u << (cap % 32))))
			continue;
		r = inject_call(in, SYS_prctl, PR_CAPBSET_DROP, cap, 0, 0, 0, 0);
		if (r == -EINVAL)
			break; /* past the last capability this kernel knows */
		if (r) {
			pr_err("thread %d: dropping capability %u from the bounding set: %s",
			       th->tid, cap, strerror((int)-r));
			return (int)r;
		}
	}
	return 0;
}

int rst_creds_restore(struct rst_task *t, struct rst_thread *th, struct inject *in,
		      unsigned long scratch)
{
	const CredsEntry *cr = th->core->thread_core ? th->core->thread_core->creds : NULL;
	long r;
	int ret;

	/* Applied even when they look like ours: a dropped bounding cap must stay dropped. */
	if (!cr)
		return 0;
	ret = rst_bounding(th, cr, in);
	if (ret)
		return ret;
	r = inject_call(in, SYS_prctl, PR_SET_KEEPCAPS, 1, 0, 0, 0, 0);
	if (!r && cr->n_groups) {
		r = inject_write(in, scratch + 256, cr->groups, cr->n_groups * sizeof(uint32_t));
		if (!r)
			r = inject_call(in, SYS_setgroups, cr->n_groups, scratch + 256, 0, 0, 0, 0);
	}
	if (!r)
		r = inject_call(in, SYS_setresgid, cr->gid, cr->egid, cr->sgid, 0, 0, 0);
	if (!r)
		inject_call(in, SYS_setfsgid, cr->fsgid, 0, 0, 0, 0, 0);
	if (!r)
		r = inject_call(in, SYS_setresuid, cr->uid, cr->euid, cr->suid, 0, 0, 0);
	if (!r)
		inject_call(in, SYS_setfsuid, cr->fsuid, 0, 0, 0, 0, 0);
	if (r) {
		pr_err("thread %d of pid %d: restoring uids/gids %u/%u: %s", th->tid, t->pid,
		       cr->uid, cr->gid, strerror((int)-r));
		return (int)r;
	}
	ret = rst_caps(th, cr, in, scratch);
	if (ret)
		return ret;
	r = inject_call(in, SYS_prctl, PR_SET_SECUREBITS, cr->secbits, 0, 0, 0, 0);
	if (r)
		pr_warn("thread %d: securebits 0x%x: %s", th->tid, cr->secbits, strerror((int)-r));
	/* One way only, and harmless to the rest of the restore: last. */
	if (cr->has_no_new_privs && cr->no_new_privs) {
		r = inject_call(in, SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0, 0);
		if (r) {
			pr_err("thread %d: no_new_privs: %s", th->tid, strerror((int)-r));
			return (int)r;
		}
	}
	return 0;
}
