/*
 * Restore: credentials, per thread, last (they may drop the privileges the
 * rest of the restore needs). Every new task starts with the tool's own
 * credentials (it was forked from the tool), so only what differs from them
 * is changed, and each change needs the capability the kernel asks for it:
 * the bounding set (cap_setpcap, only for what is still in ours), groups
 * (cap_setgid), gids, uids (cap_setuid), securebits (cap_setpcap), then the
 * capability sets (within the tool's permitted set). rst_creds_check refuses,
 * before any process exists, what the caller's capabilities cannot do; with
 * CAP_CHECKPOINT_RESTORE alone, that is a process of the caller's own.
 */
#include <errno.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "caps.h"
#include "inject.h"
#include "log.h"
#include "restore.h"
#include "restore-scratch.h"

#include "creds.pb-c.h"

#define RST_CAPS_BIT(cap) (1ULL << (cap))

/* The tool's ids and groups (sorted, without duplicates), which every new task inherits. */
struct rst_ids {
	uid_t uid, euid, suid;
	gid_t gid, egid, sgid;
	gid_t *groups;
	size_t nr_groups;
};

static int rst_cmp_gid(const void *a, const void *b)
{
	gid_t x = *(const gid_t *)a, y = *(const gid_t *)b;

	return x < y ? -1 : x > y;
}

static size_t rst_sort_unique(gid_t *g, size_t n)
{
	size_t k = 0;

	qsort(g, n, sizeof(*g), rst_cmp_gid);
	for (size_t i = 0; i < n; i++)
		if (!k || g[k - 1] != g[i])
			g[k++] = g[i];
	return k;
}

static int rst_ids_read(struct rst_ids *me)
{
	int n;

	memset(me, 0, sizeof(*me));
	if (getresuid(&me->uid, &me->euid, &me->suid) || getresgid(&me->gid, &me->egid, &me->sgid))
		return -errno;
	n = getgroups(0, NULL);
	if (n < 0)
		return -errno;
	me->groups = calloc((size_t)n + 1, sizeof(gid_t));
	if (!me->groups)
		return -ENOMEM;
	n = getgroups(n, me->groups);
	if (n < 0) {
		free(me->groups);
		return -errno;
	}
	me->nr_groups = rst_sort_unique(me->groups, (size_t)n);
	return 0;
}

static bool rst_uids_same(const CredsEntry *cr, const struct rst_ids *me)
{
	return cr->uid == me->uid && cr->euid == me->euid && cr->suid == me->suid &&
	       cr->fsuid == me->euid;
}

static bool rst_gids_same(const CredsEntry *cr, const struct rst_ids *me)
{
	return cr->gid == me->gid && cr->egid == me->egid && cr->sgid == me->sgid &&
	       cr->fsgid == me->egid;
}

/* The image's groups as a set equal to ours: then setgroups (cap_setgid) is not needed. */
static bool rst_groups_same(const CredsEntry *cr, const struct rst_ids *me)
{
	gid_t *g = malloc((cr->n_groups + 1) * sizeof(*g));
	bool same;
	size_t n;

	if (!g)
		return false;
	for (size_t i = 0; i < cr->n_groups; i++)
		g[i] = cr->groups[i];
	n = rst_sort_unique(g, cr->n_groups);
	same = n == me->nr_groups && !memcmp(g, me->groups, n * sizeof(*g));
	free(g);
	return same;
}

/* A capability set of the image (u32 words) as a mask, cut to what this kernel knows. */
static uint64_t rst_caps_mask(const uint32_t *w, size_t n, unsigned int last)
{
	uint64_t m = 0;

	for (size_t i = 0; i < n && i < 2; i++)
		m |= (uint64_t)w[i] << (32 * i);
	return last >= 63 ? m : m & (RST_CAPS_BIT(last + 1) - 1);
}

/* Bounding-set entries to drop: in ours (inherited), not in the image's. */
static uint64_t rst_bnd_drop(const CredsEntry *cr, const struct caps_self *s)
{
	if (!cr->n_cap_bnd)
		return 0;
	return s->bnd & ~rst_caps_mask(cr->cap_bnd, cr->n_cap_bnd, s->last);
}

/* Securebits other than keep-caps (which needs no privilege) that must change. */
static bool rst_secbits_change(const CredsEntry *cr, const struct caps_self *s)
{
	return ((cr->secbits ^ s->secbits) & ~(unsigned int)SECBIT_KEEP_CAPS) != 0;
}

/* One refusal line naming the capability the change needs. */
static int rst_creds_refuse(const struct rst_thread *th, const char *what, int cap)
{
	char name[64];

	pr_err("thread %d: restoring %s needs privileges the caller lacks (%s): restore it as "
	       "root",
	       th->tid, what, caps_name((unsigned int)cap, name, sizeof(name)));
	return -EPERM;
}

static int rst_check_ids(const struct rst_thread *th, const CredsEntry *cr,
			 const struct caps_self *s)
{
	struct rst_ids me;
	char what[96];
	int ret = rst_ids_read(&me);

	if (ret) {
		pr_err("reading the tool's uids and groups: %s", strerror(-ret));
		return ret;
	}
	if (!rst_uids_same(cr, &me) && !(s->eff & RST_CAPS_BIT(CAP_SETUID))) {
		snprintf(what, sizeof(what), "uid %u/%u", cr->uid, cr->euid);
		ret = rst_creds_refuse(th, what, CAP_SETUID);
	} else if (!rst_gids_same(cr, &me) && !(s->eff & RST_CAPS_BIT(CAP_SETGID))) {
		snprintf(what, sizeof(what), "gid %u/%u", cr->gid, cr->egid);
		ret = rst_creds_refuse(th, what, CAP_SETGID);
	} else if (!rst_groups_same(cr, &me) && !(s->eff & RST_CAPS_BIT(CAP_SETGID))) {
		snprintf(what, sizeof(what), "%zu supplementary groups", cr->n_groups);
		ret = rst_creds_refuse(th, what, CAP_SETGID);
	}
	free(me.groups);
	return ret;
}

int rst_creds_check(const struct rst_ctx *c, const struct rst_thread *th, const struct caps_self *s)
{
	const CredsEntry *cr = th->core->thread_core ? th->core->thread_core->creds : NULL;
	long ngroups_max = sysconf(_SC_NGROUPS_MAX);
	uint64_t setpcap = s->eff & RST_CAPS_BIT(CAP_SETPCAP), lack;
	char what[96], name[64];
	int ret;

	if (!cr)
		return 0;
	if (ngroups_max > 0 && cr->n_groups > (size_t)ngroups_max) {
		pr_err("core-%d.img in '%s': %zu supplementary groups, more than the kernel's "
		       "limit of %ld (NGROUPS_MAX)",
		       th->tid, c->dir.path, cr->n_groups, ngroups_max);
		return -EINVAL;
	}
	ret = rst_check_ids(th, cr, s);
	if (ret)
		return ret;
	/* capset: permitted and effective within ours; inheritable too, or cap_setpcap. */
	lack = rst_caps_mask(cr->cap_prm, cr->n_cap_prm, 63) & ~s->prm;
	lack |= rst_caps_mask(cr->cap_eff, cr->n_cap_eff, 63) & ~s->prm;
	if (!setpcap)
		lack |= rst_caps_mask(cr->cap_inh, cr->n_cap_inh, 63) & ~(s->prm | s->inh);
	if (lack)
		return rst_creds_refuse(th, "capabilities", caps_first(lack));
	lack = rst_bnd_drop(cr, s);
	if (lack && !setpcap) {
		snprintf(what, sizeof(what), "a bounding set without %s",
			 caps_name((unsigned int)caps_first(lack), name, sizeof(name)));
		return rst_creds_refuse(th, what, CAP_SETPCAP);
	}
	if (rst_secbits_change(cr, s) && !setpcap) {
		snprintf(what, sizeof(what), "securebits 0x%x", cr->secbits);
		return rst_creds_refuse(th, what, CAP_SETPCAP);
	}
	return 0;
}

/* capset's two arguments, side by side in the scratch slot. */
struct rst_capset_args {
	struct __user_cap_header_struct hdr;
	struct __user_cap_data_struct data[2];
};

static int rst_capset(const struct rst_thread *th, struct inject *in, const struct rst_scratch *sc,
		      uint64_t eff, uint64_t prm, uint64_t inh)
{
	struct rst_capset_args a = {.hdr = {_LINUX_CAPABILITY_VERSION_3, 0}};
	unsigned long at;
	long r;

	for (size_t i = 0; i < 2; i++) {
		a.data[i].effective = (uint32_t)(eff >> (32 * i));
		a.data[i].permitted = (uint32_t)(prm >> (32 * i));
		a.data[i].inheritable = (uint32_t)(inh >> (32 * i));
	}
	r = rst_scratch_put(in, sc, RST_SCR_CAPS, 0, &a, sizeof(a), &at);
	if (!r)
		r = inject_call(in, SYS_capset, at + offsetof(struct rst_capset_args, hdr),
				at + offsetof(struct rst_capset_args, data), 0, 0, 0, 0);
	if (r)
		pr_err("thread %d: capset: %s", th->tid, strerror((int)-r));
	return (int)r;
}

static int rst_bounding(const struct rst_thread *th, uint64_t drop, struct inject *in)
{
	char name[64];

	for (int cap = caps_first(drop); cap >= 0; cap = caps_first(drop)) {
		long r =
			inject_call(in, SYS_prctl, PR_CAPBSET_DROP, (unsigned long)cap, 0, 0, 0, 0);

		if (r) {
			pr_err("thread %d: dropping %s from the bounding set: %s", th->tid,
			       caps_name((unsigned int)cap, name, sizeof(name)), strerror((int)-r));
			return (int)r;
		}
		drop &= ~RST_CAPS_BIT(cap);
	}
	return 0;
}

/* setgroups in the target; a list longer than its scratch slot gets its own mapping. */
static long rst_setgroups(const CredsEntry *cr, struct inject *in, const struct rst_scratch *sc)
{
	size_t len = cr->n_groups * sizeof(uint32_t);
	unsigned long at;
	long r;

	if (len <= rst_scratch_size(RST_SCR_GROUPS)) {
		r = rst_scratch_put(in, sc, RST_SCR_GROUPS, 0, cr->groups, len, &at);
		return r ? r : inject_call(in, SYS_setgroups, cr->n_groups, at, 0, 0, 0, 0);
	}
	r = inject_mmap(in, 0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			(unsigned long)-1, 0);
	if (r < 0 && r > -4096)
		return r;
	at = (unsigned long)r;
	r = inject_write(in, at, cr->groups, len);
	if (!r)
		r = inject_call(in, SYS_setgroups, cr->n_groups, at, 0, 0, 0, 0);
	inject_call(in, SYS_munmap, at, len, 0, 0, 0, 0);
	return r;
}

/* Groups, gids, uids: each only when it differs from the tool's (inherited) ones. */
static int rst_set_ids(struct rst_task *t, struct rst_thread *th, const CredsEntry *cr,
		       struct inject *in, const struct rst_scratch *sc)
{
	struct rst_ids me;
	long r = rst_ids_read(&me);

	/* Keep the permitted set across a change of uid: capset below sets it. */
	if (!r && !rst_uids_same(cr, &me))
		r = inject_call(in, SYS_prctl, PR_SET_KEEPCAPS, 1, 0, 0, 0, 0);
	if (!r && !rst_groups_same(cr, &me))
		r = rst_setgroups(cr, in, sc);
	if (!r && !rst_gids_same(cr, &me)) {
		r = inject_call(in, SYS_setresgid, cr->gid, cr->egid, cr->sgid, 0, 0, 0);
		if (!r)
			inject_call(in, SYS_setfsgid, cr->fsgid, 0, 0, 0, 0, 0);
	}
	if (!r && !rst_uids_same(cr, &me)) {
		r = inject_call(in, SYS_setresuid, cr->uid, cr->euid, cr->suid, 0, 0, 0);
		if (!r)
			inject_call(in, SYS_setfsuid, cr->fsuid, 0, 0, 0, 0, 0);
	}
	free(me.groups);
	if (r)
		pr_err("thread %d of pid %d: restoring uids/gids %u/%u: %s", th->tid, t->pid,
		       cr->uid, cr->gid, strerror((int)-r));
	return (int)r;
}

/*
 * Securebits: only what differs from the tool's. Changing them needs
 * cap_setpcap effective, which a change of uid just cleared (keep-caps keeps
 * only the permitted set): raise the permitted set into effective first.
 * Keep-caps alone is a plain prctl.
 */
static int rst_secbits(const struct rst_thread *th, const CredsEntry *cr, const struct caps_self *s,
		       uint64_t amb, struct inject *in, const struct rst_scratch *sc)
{
	bool want_keep = cr->secbits & SECBIT_KEEP_CAPS;
	long r;

	if (rst_secbits_change(cr, s)) {
		/* Inheritable keeps @amb: the ambient set raised before must survive. */
		r = rst_capset(th, in, sc, s->prm, s->prm, s->inh | amb);
		if (!r)
			r = inject_call(in, SYS_prctl, PR_SET_SECUREBITS, cr->secbits, 0, 0, 0, 0);
	} else {
		r = inject_call(in, SYS_prctl, PR_GET_KEEPCAPS, 0, 0, 0, 0, 0);
		if (r >= 0)
			r = (r > 0) == want_keep ? 0
						 : inject_call(in, SYS_prctl, PR_SET_KEEPCAPS,
							       want_keep, 0, 0, 0, 0);
	}
	if (r)
		pr_err("thread %d: securebits 0x%x: %s", th->tid, cr->secbits, strerror((int)-r));
	return (int)r;
}

/*
 * The ambient set: after the uids (a change from uid 0 clears it), before
 * the securebits (SECBIT_NO_CAP_AMBIENT_RAISE would forbid raising it).
 * Each capability must be permitted and inheritable when raised: the
 * inheritable set gets @amb for it (the final capset keeps it, the image's
 * sets hold the ambient one). A new task inherited the tool's set: cleared
 * first. Images without the set (older ones) get an empty one.
 */
static int rst_ambient(const struct rst_thread *th, const struct caps_self *s, uint64_t amb,
		       struct inject *in, const struct rst_scratch *sc)
{
	long r = inject_call(in, SYS_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0, 0);
	char name[64];

	if (r == -EINVAL && !amb)
		return 0; /* a kernel without ambient capabilities (before 4.3): none to set */
	if (r) {
		pr_err("thread %d: clearing the ambient capabilities: %s", th->tid,
		       strerror((int)-r));
		return (int)r;
	}
	if (amb && rst_capset(th, in, sc, s->prm, s->prm, s->inh | amb))
		return -EPERM; /* logged */
	for (int cap = caps_first(amb); cap >= 0; cap = caps_first(amb)) {
		r = inject_call(in, SYS_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE,
				(unsigned long)cap, 0, 0, 0);
		if (r) {
			pr_err("thread %d: raising ambient capability %s: %s", th->tid,
			       caps_name((unsigned int)cap, name, sizeof(name)), strerror((int)-r));
			return (int)r;
		}
		amb &= ~RST_CAPS_BIT(cap);
	}
	return 0;
}

int rst_creds_restore(struct rst_task *t, struct rst_thread *th, struct inject *in,
		      const struct rst_scratch *sc)
{
	const CredsEntry *cr = th->core->thread_core ? th->core->thread_core->creds : NULL;
	struct caps_self s;
	uint64_t amb;
	int ret;

	ret = caps_self_read(&s);
	if (ret)
		return ret;
	/* No credentials recorded: a task of a non-root caller keeps none of the tool's
	 * capabilities. */
	if (!cr)
		return geteuid() ? rst_capset(th, in, sc, 0, 0, 0) : 0;
	amb = rst_caps_mask(cr->cap_amb, cr->n_cap_amb, s.last);
	ret = rst_bounding(th, rst_bnd_drop(cr, &s), in);
	if (!ret)
		ret = rst_set_ids(t, th, cr, in, sc);
	if (!ret)
		ret = rst_ambient(th, &s, amb, in, sc);
	if (!ret)
		ret = rst_secbits(th, cr, &s, amb, in, sc);
	/* Always: a task must not keep capabilities of the tool it did not have. */
	if (!ret)
		ret = rst_capset(th, in, sc, rst_caps_mask(cr->cap_eff, cr->n_cap_eff, 63),
				 rst_caps_mask(cr->cap_prm, cr->n_cap_prm, 63),
				 rst_caps_mask(cr->cap_inh, cr->n_cap_inh, 63));
	if (ret)
		return ret;
	/* One way only, and harmless to the rest of the restore: last. */
	if (cr->has_no_new_privs && cr->no_new_privs) {
		long r = inject_call(in, SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0, 0);

		if (r) {
			pr_err("thread %d: no_new_privs: %s", th->tid, strerror((int)-r));
			return (int)r;
		}
	}
	return 0;
}
