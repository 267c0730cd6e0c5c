/*
 * restore --lazy-pages --page-server: before the tree exists, the pages the
 * restore writes itself are fetched from the page server into the local
 * stand-ins of the pages files (restore-lazy-remote.c says why).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "restore-lazy.h"

/* [off, off+len) of pages fd @fd fetched into it (the memfd). */
static int rm_fetch(struct rst_ctx *c, int fd, uint64_t off, uint64_t len)
{
	while (len) {
		size_t k = len < RST_REMOTE_CHUNK ? len : RST_REMOTE_CHUNK;
		int ret = rst_remote_read(c, fd, off, rst_remote_buf(c), k);

		if (!ret && pwrite(fd, rst_remote_buf(c), k, (off_t)off) != (ssize_t)k)
			ret = -errno;
		if (ret)
			return ret;
		off += k;
		len -= k;
	}
	return 0;
}

/* Might @v be shared copy-on-write with @t's parent or a child (restore-cow.c decides)? */
static bool rm_maybe_cow(const struct rst_ctx *c, const struct rst_task *t, const VmaEntry *v)
{
	for (size_t i = 0; i < c->nr_tasks; i++) {
		const struct rst_task *o = &c->tasks[i];

		if (o == t || o->zombie || !o->mm ||
		    !(o->parent == (int)(t - c->tasks) ||
		      (t->parent >= 0 && o == &c->tasks[t->parent])))
			continue;
		for (size_t k = 0; k < o->mm->n_vmas; k++)
			if (o->mm->vmas[k]->start == v->start && o->mm->vmas[k]->end == v->end)
				return true;
	}
	return false;
}

static int rm_fetch_task(struct rst_ctx *c, const struct rst_task *t)
{
	size_t v = 0;
	int ret = 0;

	for (size_t i = 0; !ret && i < t->pages.n; i++) {
		const struct rst_seg *s = &t->pages.s[i];
		unsigned long a = s->vaddr, e = s->vaddr + s->len;

		while (!ret && a < e) {
			const VmaEntry *m;
			unsigned long b;

			while (v < t->mm->n_vmas && t->mm->vmas[v]->end <= a)
				v++;
			m = v < t->mm->n_vmas ? t->mm->vmas[v] : NULL;
			b = m && m->start <= a ? (m->end < e ? m->end : e) : e;
			if (!(m && m->start <= a && rst_lazy_kind(m) && !rm_maybe_cow(c, t, m)))
				ret = rm_fetch(c, s->pages_fd, s->off + (a - s->vaddr), b - a);
			a = b;
		}
	}
	/* shared memory is filled by the restore, at mapping time */
	for (size_t k = 0; !ret && k < t->mm->n_vmas; k++) {
		const VmaEntry *m = t->mm->vmas[k];
		struct rst_segs sh = {0};

		if (!(m->status & (RST_VMA_ANON_SHARED | RST_VMA_SYSVIPC)))
			continue;
		ret = rst_shmem_resolve(c, m->shmid, &sh);
		for (size_t i = 0; !ret && i < sh.n; i++)
			ret = rm_fetch(c, sh.s[i].pages_fd, sh.s[i].off, sh.s[i].len);
		rst_segs_free(&sh);
	}
	return ret;
}

int rst_remote_prefetch(struct rst_ctx *c)
{
	int ret = 0;

	for (size_t i = 0; !ret && i < c->nr_tasks; i++)
		if (!c->tasks[i].zombie && c->tasks[i].mm)
			ret = rm_fetch_task(c, &c->tasks[i]);
	if (ret)
		pr_err("restore --lazy-pages: fetching the pages the restore writes itself from "
		       "the page server: %s",
		       strerror(-ret));
	return ret;
}
