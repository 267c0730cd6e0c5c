/* Tracker registry, selection, range lists and the per-arch expectations. */
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
	&tracker_soft_dirty,
	&tracker_uffd_wp,
	&tracker_digest,
	&tracker_none,
	NULL,
};

const struct tracker_ops *tracker_by_name(const char *name)
{
	for (int i = 0; tracker_all[i]; i++)
		if (!strcmp(tracker_all[i]->name, name))
			return tracker_all[i];
	return NULL;
}

void tracker_target_init(struct tracker_target *t, pid_t pid)
{
	memset(t, 0, sizeof(*t));
	t->pid = pid;
	t->page_size = sysconf(_SC_PAGESIZE);
	t->pagemap_fd = -1;
	t->uffd = -1;
	t->target_uffd = -1;
	t->mem_fd = -1;
}

void tracker_target_fini(struct tracker_target *t)
{
	if (t->pagemap_fd >= 0)
		close(t->pagemap_fd);
	if (t->uffd >= 0)
		close(t->uffd);
	if (t->mem_fd >= 0)
		close(t->mem_fd);
	t->pagemap_fd = t->uffd = t->mem_fd = -1;
	tracker_vmas_fini(&t->vmas);
}

/* ---- ranges ---- */

int tracker_ranges_add(struct tracker_ranges *r, unsigned long start, unsigned long end)
{
	struct tracker_range *last = r->n ? &r->v[r->n - 1] : NULL;

	if (start >= end)
		return 0;
	if (last && start <= last->end && end >= last->start) {
		if (start < last->start)
			last->start = start;
		if (end > last->end)
			last->end = end;
		return 0;
	}
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		struct tracker_range *v = realloc(r->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		r->v = v;
		r->cap = cap;
	}
	r->v[r->n].start = start;
	r->v[r->n].end = end;
	r->n++;
	return 0;
}

static int range_cmp(const void *a, const void *b)
{
	const struct tracker_range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

void tracker_ranges_normalize(struct tracker_ranges *r)
{
	size_t i, o = 0;

	if (r->n < 2)
		return;
	qsort(r->v, r->n, sizeof(r->v[0]), range_cmp);
	for (i = 1; i < r->n; i++) {
		if (r->v[i].start <= r->v[o].end) {
			if (r->v[i].end > r->v[o].end)
				r->v[o].end = r->v[i].end;
		} else {
			r->v[++o] = r->v[i];
		}
	}
	r->n = o + 1;
}

bool tracker_ranges_hit(const struct tracker_ranges *r, unsigned long start, unsigned long end)
{
	size_t lo = 0, hi = r->n;

	/* first range whose end is above start */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (r->v[mid].end <= start)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < r->n && r->v[lo].start < end;
}

void tracker_ranges_fini(struct tracker_ranges *r)
{
	free(r->v);
	memset(r, 0, sizeof(*r));
}

/* ---- selection ---- */

int tracker_select(const char *name, const struct tracker_ops **out, char *why, size_t len)
{
	struct tracker_verdict v;
	const struct tracker_ops *ops;

	*out = NULL;
	if (!name || !strcmp(name, "auto")) {
		for (int i = 0; tracker_all[i]; i++) {
			if (tracker_verdict(tracker_all[i], &v) == 0 && v.validated) {
				*out = tracker_all[i];
				return 0;
			}
			pr_info("tracker %s not used: %s\n", tracker_all[i]->name, v.why);
		}
		snprintf(why, len, "no tracker validated");
		return -EOPNOTSUPP;
	}
	ops = tracker_by_name(name);
	if (!ops) {
		snprintf(why, len, "unknown tracker \"%s\" (auto, soft-dirty, uffd-wp, digest, none)",
			 name);
		return -EINVAL;
	}
	if (tracker_verdict(ops, &v) || !v.validated) {
		snprintf(why, len, "tracker %s refused: %s", name, v.why);
		return -EOPNOTSUPP;
	}
	*out = ops;
	return 0;
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

	if (ops == &tracker_digest || ops == &tracker_none)
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
