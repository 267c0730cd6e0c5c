/*
 * Restore: where each page's bytes are. A pagemap entry flagged PE_PRESENT
 * has its pages next in this directory's pages file; one flagged PE_PARENT
 * has them in the parent directory's images, recursively. The result is a
 * list of (address, length, pages fd, offset) runs, checked against the
 * pages files' sizes before any process is created.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "array.h"
#include "log.h"
#include "restore.h"
#include "restore-lazy.h"

#define RST_MAX_CHAIN 64

void rst_segs_free(struct rst_segs *s)
{
	free(s->s);
	memset(s, 0, sizeof(*s));
}

int rst_segs_add(struct rst_segs *s, unsigned long vaddr, unsigned long len, int fd, uint64_t off,
		 int depth)
{
	struct rst_seg *last = s->n ? &s->s[s->n - 1] : NULL;

	/* Merge runs contiguous in memory and in the same file. */
	if (last && last->pages_fd == fd && last->vaddr + last->len == vaddr &&
	    last->off + last->len == off) {
		last->len += len;
		return 0;
	}
	if (ARRAY_GROW(s->s, s->n))
		return -ENOMEM;
	s->s[s->n++] = (struct rst_seg){vaddr, len, fd, off, depth};
	return 0;
}

size_t rst_segs_lower(const struct rst_segs *from, unsigned long vaddr)
{
	size_t lo = 0, hi = from->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (from->s[mid].vaddr + from->s[mid].len <= vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Copies the parts of @from covering [vaddr, vaddr+len) into @to. A page the
 * parent chain does not hold was not populated when that dump was taken, and
 * unchanged since: it stays zero, nothing to copy. A binary search finds the
 * first run: a delta of N scattered pages over a parent of M runs costs
 * N log M, not N * M.
 */
static int rst_segs_take(struct rst_segs *to, const struct rst_segs *from, unsigned long vaddr,
			 unsigned long len)
{
	unsigned long end = vaddr + len, cur = vaddr;

	for (size_t i = rst_segs_lower(from, vaddr); i < from->n && cur < end; i++) {
		const struct rst_seg *s = &from->s[i];
		unsigned long a, b;
		int ret;

		if (s->vaddr + s->len <= cur)
			continue;
		if (s->vaddr >= end)
			break;
		a = s->vaddr > cur ? s->vaddr : cur;
		b = s->vaddr + s->len < end ? s->vaddr + s->len : end;
		ret = rst_segs_add(to, a, b - a, s->pages_fd, s->off + (a - s->vaddr),
				   s->depth + 1);
		if (ret)
			return ret;
		cur = b;
	}
	return 0;
}

static int rst_keep_fd(struct rst_ctx *c, int fd)
{
	if (ARRAY_GROW(c->pages_fds, c->nr_pages_fds)) {
		close(fd);
		return -ENOMEM;
	}
	c->pages_fds[c->nr_pages_fds++] = fd;
	return 0;
}

static int rst_open_pages(struct rst_ctx *c, const struct img_dir *d, uint32_t id, int *fd,
			  uint64_t *size)
{
	int ret = 0;

	if (c->remote) /* restore --lazy-pages --page-server */
		ret = rst_remote_open(c, d, id, fd, size);
	else
		*fd = img_open_raw(d, IMG_PAGES, id, size);
	if (ret)
		return ret;
	if (*fd < 0)
		return *fd;
	ret = rst_keep_fd(c, *fd);
	return ret ? ret : rst_csums_load(c, d, id, *fd, *size);
}

struct rst_pm_walk {
	struct rst_ctx *c;
	const struct img_dir *d;
	enum img_kind kind; /* IMG_PAGEMAP (id: pid) or IMG_SHMEM_PAGEMAP (id: shmid) */
	pid_t pid;
	int depth;
	int pages_fd;
	uint64_t pages_size, off;
	struct rst_segs parent;
	bool parent_done;
	unsigned long last_end; /* entries come in address order, without overlap */
};

static int rst_resolve_dir(struct rst_ctx *c, const struct img_dir *d, enum img_kind kind,
			   pid_t pid, int depth, struct rst_segs *out);

static int rst_load_parent(struct rst_pm_walk *w)
{
	struct img_dir pd;
	int ret;

	if (w->parent_done)
		return 0;
	ret = img_dir_open_parent(w->d, &pd);
	if (ret) {
		pr_err("pagemap-%d.img in '%s' has pages in the parent images, but the parent "
		       "directory ('%s/parent') cannot be opened: %s",
		       w->pid, w->d->path, w->d->path, strerror(-ret));
		return ret;
	}
	ret = rst_resolve_dir(w->c, &pd, w->kind, w->pid, w->depth + 1, &w->parent);
	img_dir_close(&pd);
	w->parent_done = true;
	return ret;
}

static int rst_pm_entry(struct rst_pm_walk *w, const PagemapEntry *pe, struct rst_segs *out)
{
	unsigned long ps = w->c->page_size, len = (unsigned long)pe->nr_pages * ps;
	uint32_t fl = pe->has_flags ? pe->flags : 0;
	int ret;

	if (pe->vaddr & (ps - 1)) {
		pr_err("pagemap-%d.img in '%s': address 0x%lx is not page aligned", w->pid,
		       w->d->path, (unsigned long)pe->vaddr);
		return -EINVAL;
	}
	/* A run that wraps past the top would slip through every later range check. */
	if (!pe->nr_pages || pe->vaddr + len < pe->vaddr) {
		pr_err("pagemap-%d.img in '%s': entry 0x%lx of %u pages is empty or wraps around "
		       "the address space",
		       w->pid, w->d->path, (unsigned long)pe->vaddr, pe->nr_pages);
		return -EINVAL;
	}
	if (pe->vaddr < w->last_end) {
		pr_err("pagemap-%d.img in '%s': entry 0x%lx overlaps or precedes the previous one",
		       w->pid, w->d->path, (unsigned long)pe->vaddr);
		return -EINVAL;
	}
	w->last_end = pe->vaddr + len;
	if (pe->in_parent)
		fl |= RST_PE_PARENT;
	if (fl & RST_PE_PRESENT) {
		if (w->off + len > w->pages_size) {
			pr_err("pagemap-%d.img in '%s': entry 0x%lx (%u pages) points past the end "
			       "of its pages file (%llu bytes)",
			       w->pid, w->d->path, (unsigned long)pe->vaddr, pe->nr_pages,
			       (unsigned long long)w->pages_size);
			return -EINVAL;
		}
		ret = rst_segs_add(out, pe->vaddr, len, w->pages_fd, w->off, 0);
		w->off += len;
		return ret;
	}
	if (!(fl & RST_PE_PARENT))
		return 0; /* never written: stays zero */
	ret = rst_load_parent(w);
	if (ret)
		return ret;
	return rst_segs_take(out, &w->parent, pe->vaddr, len);
}

static int rst_resolve_dir(struct rst_ctx *c, const struct img_dir *d, enum img_kind kind,
			   pid_t pid, int depth, struct rst_segs *out)
{
	struct rst_pm_walk w = {.c = c, .d = d, .kind = kind, .pid = pid, .depth = depth};
	ProtobufCMessage *m;
	struct img *img;
	int ret;

	if (depth > RST_MAX_CHAIN) {
		pr_err("images dir '%s': parent chain longer than %d (a loop?)", d->path,
		       RST_MAX_CHAIN);
		return -ELOOP;
	}
	ret = img_open(d, kind, (unsigned long)pid, false, &img);
	if (ret == -ENOENT)
		pr_err("images dir '%s': the pagemap of %s %d is missing", d->path,
		       kind == IMG_PAGEMAP ? "pid" : "shared memory", pid);
	if (ret)
		return ret;
	ret = img_read_msg(img, &pagemap_head__descriptor, &m);
	if (ret == 0) {
		pr_err("image '%s': no pagemap head", img->path);
		ret = -EINVAL;
	}
	if (ret < 0)
		goto out;
	ret = rst_open_pages(c, d, ((PagemapHead *)m)->pages_id, &w.pages_fd, &w.pages_size);
	img_free_msg(m);
	if (ret)
		goto out;
	while ((ret = img_read_msg(img, &pagemap_entry__descriptor, &m)) == 1) {
		ret = rst_pm_entry(&w, (PagemapEntry *)m, out);
		img_free_msg(m);
		if (ret)
			break;
	}
out:
	rst_segs_free(&w.parent);
	img_close(img);
	return ret;
}

int rst_pages_resolve(struct rst_ctx *c, struct rst_task *t)
{
	int ret = rst_resolve_dir(c, &c->dir, IMG_PAGEMAP, t->pid, 0, &t->pages);

	if (ret)
		return ret;
	/* Every page must fall inside a VMA that will exist. */
	for (size_t i = 0, v = 0; i < t->pages.n; i++) {
		const struct rst_seg *s = &t->pages.s[i];

		while (v < t->mm->n_vmas && t->mm->vmas[v]->end <= s->vaddr)
			v++;
		if (v == t->mm->n_vmas || t->mm->vmas[v]->start > s->vaddr ||
		    t->mm->vmas[v]->end < s->vaddr + s->len) {
			/* A run may span adjacent VMAs: check page by page coverage. */
			unsigned long a = s->vaddr, e = s->vaddr + s->len;
			size_t k = v;

			while (k < t->mm->n_vmas && a < e && t->mm->vmas[k]->start <= a) {
				a = t->mm->vmas[k]->end;
				k++;
			}
			if (a < e) {
				pr_err("pagemap-%d.img: pages at 0x%lx-0x%lx lie outside every vma "
				       "of mm-%d.img",
				       t->pid, s->vaddr, e, t->pid);
				return -EINVAL;
			}
		}
	}
	return 0;
}

int rst_shmem_resolve(struct rst_ctx *c, uint64_t shmid, struct rst_segs *out)
{
	char name[64];

	snprintf(name, sizeof(name), "pagemap-shmem-%llu.img", (unsigned long long)shmid);
	if (faccessat(c->dir.fd, name, F_OK, 0))
		return 0; /* never written: all zero */
	return rst_resolve_dir(c, &c->dir, IMG_SHMEM_PAGEMAP, (pid_t)shmid, 0, out);
}
