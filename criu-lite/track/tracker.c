/* Tracker registry, the per-target common state and the per-arch expectations. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "arch.h"
#include "log.h"
#include "tracker.h"

const struct tracker_ops *const tracker_all[] = {
	&tracker_soft_dirty, &tracker_uffd_wp, &tracker_digest, &tracker_none, NULL,
};

const struct tracker_ops *tracker_by_name(const char *name)
{
	for (int i = 0; tracker_all[i]; i++)
		if (!strcmp(tracker_all[i]->name, name))
			return tracker_all[i];
	return NULL;
}

int tracker_target_init(struct tracker_target *t, const struct tracker_ops *ops, pid_t pid)
{
	int ret;

	memset(t, 0, sizeof(*t));
	t->ops = ops;
	t->pid = pid;
	t->page_size = sysconf(_SC_PAGESIZE);
	t->pagemap_fd = -1;
	ret = ops->init ? ops->init(t) : 0;
	if (ret)
		t->ops = NULL; /* nothing for tracker_target_fini() to undo */
	return ret;
}

void tracker_target_fini(struct tracker_target *t)
{
	if (t->ops && t->ops->fini)
		t->ops->fini(t);
	t->priv = NULL;
	if (t->pagemap_fd >= 0)
		close(t->pagemap_fd);
	t->pagemap_fd = -1;
	tracker_vmas_fini(&t->vmas);
}

int tracker_target_renew(struct tracker_target *t)
{
	void *old = t->priv;
	int ret;

	if (!t->ops->init)
		return 0;
	t->priv = NULL;
	ret = t->ops->init(t);
	if (ret) {
		t->priv = old;
		return ret;
	}
	if (t->ops->fini) {
		void *fresh = t->priv;

		t->priv = old;
		t->ops->fini(t);
		t->priv = fresh;
	}
	return 0;
}

int tracker_target_fd(const struct tracker_target *t, unsigned long long *ino)
{
	if (!t->ops || !(t->ops->caps & TRACKER_CAP_TARGET_FD))
		return -1;
	return t->ops->target_fd(t, ino);
}

/* ---- what each arch should offer (hints for check; validation decides) ---- */

/* The arch layer's facts for @ops, or NULL for trackers any kernel has. */
static const struct arch_tracker_fact *arch_fact(const struct tracker_ops *ops)
{
	const struct arch_tracking_info *ti = arch_tracking_info();

	for (int i = 0; i < ARCH_TRACKER_NR; i++)
		if (ti->trackers[i].name && !strcmp(ti->trackers[i].name, ops->name))
			return &ti->trackers[i];
	return NULL;
}

const char *tracker_arch_expect(const struct tracker_ops *ops)
{
	static char buf[256];
	const struct arch_tracking_info *ti = arch_tracking_info();
	const struct arch_tracker_fact *f = arch_fact(ops);
	const char *mmu = ti->mmu_probe ? ti->mmu_probe() : NULL;
	struct utsname u;
	unsigned int maj = 0, min = 0;

	if (ops->caps & TRACKER_CAP_ANY_KERNEL)
		return "any kernel";
	if (!f || !f->implemented) {
		snprintf(buf, sizeof(buf), "not implemented by the kernel on %s", ti->arch);
		return buf;
	}
	uname(&u);
	sscanf(u.release, "%u.%u", &maj, &min);
	snprintf(buf, sizeof(buf), "%s %u.%u+: %s%s%s", ti->arch, f->since_major, f->since_minor,
		 maj > f->since_major || (maj == f->since_major && min >= f->since_minor)
			 ? "expected by kernel version"
			 : "kernel too old",
		 mmu && f->unreliable_mmu && !strcmp(mmu, f->unreliable_mmu)
			 ? ", but unreliable on this MMU ("
			 : "",
		 mmu && f->unreliable_mmu && !strcmp(mmu, f->unreliable_mmu) ? mmu : "");
	if (mmu && f->unreliable_mmu && !strcmp(mmu, f->unreliable_mmu))
		strncat(buf, ")", sizeof(buf) - strlen(buf) - 1);
	return buf;
}
