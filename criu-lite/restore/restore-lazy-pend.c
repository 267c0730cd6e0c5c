/*
 * restore --lazy-pages: the pages of one restored address space still to
 * copy, as runs (address, length, pages file, offset) in address order, as
 * restore-pages.c resolved them. The server takes out what it copied and
 * what the process itself removed (munmap, madvise DONTNEED), and moves what
 * the process mremapped.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "array.h"
#include "restore-lazy.h"

bool rst_lazy_kind(const VmaEntry *v)
{
	const uint32_t other = RST_VMA_FILE_PRIVATE | RST_VMA_FILE_SHARED | RST_VMA_ANON_SHARED |
			       RST_VMA_VDSO | RST_VMA_VVAR | RST_VMA_VSYSCALL | RST_VMA_SYSVIPC |
			       RST_VMA_SOCKET | RST_VMA_AIORING | RST_VMA_GUARD | RST_VMA_UNSUPP;

	/* locked memory is resident by definition */
	return (v->status & RST_VMA_ANON_PRIVATE) && !(v->status & other) &&
	       !(v->flags & MAP_LOCKED);
}

int lz_pend_drop(struct lz_pend *p, unsigned long start, unsigned long end)
{
	size_t i = rst_segs_lower(p, start);

	while (i < p->n && p->s[i].vaddr < end) {
		struct rst_seg *s = &p->s[i];
		unsigned long se = s->vaddr + s->len;

		if (s->vaddr < start && se > end) { /* a hole in the middle: split */
			if (ARRAY_GROW(p->s, p->n))
				return -ENOMEM;
			s = &p->s[i];
			memmove(s + 1, s, (p->n - i) * sizeof(*s));
			p->n++;
			s->len = start - s->vaddr;
			s[1].off += end - s[1].vaddr;
			s[1].len = se - end;
			s[1].vaddr = end;
			return 0;
		}
		if (s->vaddr < start) { /* keep the head */
			s->len = start - s->vaddr;
			i++;
			continue;
		}
		if (se > end) { /* keep the tail */
			s->off += end - s->vaddr;
			s->len = se - end;
			s->vaddr = end;
			return 0;
		}
		memmove(s, s + 1, (p->n - i - 1) * sizeof(*s));
		p->n--;
	}
	return 0;
}

static int lz_seg_cmp(const void *x, const void *y)
{
	const struct rst_seg *a = x, *b = y;

	return a->vaddr < b->vaddr ? -1 : a->vaddr > b->vaddr;
}

int lz_pend_move(struct lz_pend *p, unsigned long from, unsigned long to, unsigned long len)
{
	struct rst_seg *moved = NULL;
	size_t nm = 0, i = rst_segs_lower(p, from);
	int ret = 0;

	for (; i < p->n && p->s[i].vaddr < from + len; i++) {
		struct rst_seg s = p->s[i];
		unsigned long a = s.vaddr > from ? s.vaddr : from;
		unsigned long b = s.vaddr + s.len < from + len ? s.vaddr + s.len : from + len;

		if (ARRAY_GROW(moved, nm)) {
			free(moved);
			return -ENOMEM;
		}
		moved[nm++] = (struct rst_seg){a - from + to, b - a, s.pages_fd,
					       s.off + (a - s.vaddr), s.depth};
	}
	ret = lz_pend_drop(p, from, from + len);
	/* the destination was unmapped first (its own event): nothing is pending there */
	if (!ret)
		ret = lz_pend_drop(p, to, to + len);
	for (size_t k = 0; !ret && k < nm; k++) {
		if (ARRAY_GROW(p->s, p->n))
			ret = -ENOMEM;
		else
			p->s[p->n++] = moved[k];
	}
	free(moved);
	if (!ret)
		qsort(p->s, p->n, sizeof(*p->s), lz_seg_cmp);
	return ret;
}

int lz_pend_copy(struct lz_pend *to, const struct lz_pend *from)
{
	*to = (struct lz_pend){0};
	for (size_t i = 0; i < from->n; i++) {
		if (ARRAY_GROW(to->s, to->n)) {
			lz_pend_free(to);
			return -ENOMEM;
		}
		to->s[to->n++] = from->s[i];
	}
	return 0;
}

void lz_pend_free(struct lz_pend *p)
{
	free(p->s);
	p->s = NULL;
	p->n = 0;
}
