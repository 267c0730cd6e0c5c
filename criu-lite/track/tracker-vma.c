/* VMA lists for the trackers and the VMA-level diff between two dumps. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "proc-maps.h"
#include "tracker.h"

int tracker_vmas_from_proc(const struct proc_vma_list *l, struct tracker_vmas *out)
{
	out->n = 0;
	out->v = calloc(l->n ? l->n : 1, sizeof(out->v[0]));
	if (!out->v)
		return -ENOMEM;
	for (size_t i = 0; i < l->n; i++) {
		const struct proc_vma *p = &l->v[i];
		struct tracker_vma *v = &out->v[out->n++];

		v->start = p->start;
		v->end = p->end;
		v->pgoff = p->pgoff;
		v->ino = p->ino;
		v->dev = makedev(p->dev_major, p->dev_minor);
		v->prot = p->prot;
		v->flags = p->shared ? TRACKER_VMA_SHARED : 0;
		if (p->kind == PROC_VMA_FILE || p->kind == PROC_VMA_SHMEM_ANON)
			v->flags |= TRACKER_VMA_FILE;
		if (p->kind == PROC_VMA_VDSO || p->kind == PROC_VMA_VVAR ||
		    p->kind == PROC_VMA_VSYSCALL || p->kind == PROC_VMA_OTHER_SPECIAL)
			v->flags |= TRACKER_VMA_SPECIAL;
		/* device memory and kernel-filled rings: written behind the page tables */
		if (p->kind == PROC_VMA_FILE && p->path &&
		    (!strncmp(p->path, "/dev/", 5) || !strcmp(p->path, "/[aio]")))
			v->flags |= TRACKER_VMA_SPECIAL;
	}
	return 0;
}

int tracker_vmas_read(pid_t pid, struct tracker_vmas *out)
{
	struct proc_vma_list l;
	int ret;

	ret = proc_read_maps(pid, false, &l);
	if (ret)
		return ret;
	ret = tracker_vmas_from_proc(&l, out);
	proc_vma_list_free(&l);
	return ret;
}

void tracker_vmas_fini(struct tracker_vmas *v)
{
	free(v->v);
	v->v = NULL;
	v->n = 0;
}

bool tracker_vma_always_changed(const struct tracker_ops *ops, const struct tracker_vma *v)
{
	if (v->flags & TRACKER_VMA_SPECIAL)
		return true;
	/* page-table trackers see only writes through this process's page tables */
	return (v->flags & TRACKER_VMA_SHARED) && !(ops->caps & TRACKER_CAP_SEES_SHARED);
}

/* Same memory at the same address: same kind, protection and backing object. */
static bool vma_same(const struct tracker_vma *a, const struct tracker_vma *b)
{
	if (a->prot != b->prot || a->flags != b->flags)
		return false;
	if (!(a->flags & TRACKER_VMA_FILE))
		return true;
	/* file offsets must line up at every address: pgoff - start is constant */
	return a->dev == b->dev && a->ino == b->ino && a->pgoff - a->start == b->pgoff - b->start;
}

int tracker_vma_diff(const struct tracker_vmas *prev, const struct tracker_vmas *cur,
		     struct tracker_ranges *changed)
{
	size_t j = 0;
	int ret;

	for (size_t i = 0; i < cur->n; i++) {
		const struct tracker_vma *c = &cur->v[i];
		unsigned long pos = c->start;

		/* skip previous VMAs wholly below this one */
		while (j < prev->n && prev->v[j].end <= c->start)
			j++;
		for (size_t k = j; k < prev->n && prev->v[k].start < c->end; k++) {
			const struct tracker_vma *p = &prev->v[k];
			unsigned long s = p->start > c->start ? p->start : c->start;
			unsigned long e = p->end < c->end ? p->end : c->end;

			if (s > pos) { /* a hole in prev: new memory */
				ret = tracker_ranges_add(changed, pos, s);
				if (ret)
					return ret;
			}
			if (!vma_same(p, c)) {
				ret = tracker_ranges_add(changed, s, e);
				if (ret)
					return ret;
			}
			pos = e;
		}
		if (pos < c->end) {
			ret = tracker_ranges_add(changed, pos, c->end);
			if (ret)
				return ret;
		}
	}
	return 0;
}
