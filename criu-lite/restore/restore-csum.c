/*
 * Restore: page checksums (pagecsum-N.img, docs/image-format.md). Each pages
 * file opened for a context gets its checksums loaded next to it, by fd;
 * whoever reads pages from the file checks them before the bytes reach a
 * process (restore-fill.c does, for every copy it makes). A file without
 * checksums (older criu-lite, CRIU) is read as before.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "img-pagecsum.h"
#include "log.h"
#include "restore.h"

int rst_csums_load(struct rst_ctx *c, const struct img_dir *d, uint32_t id, int fd, uint64_t size)
{
	struct rst_csums *cs = &c->csums;
	struct pagecsum_in *in;
	int ret;

	cs->page_size = c->page_size;
	if (c->o && c->o->no_page_checksums)
		return 0;
	in = calloc(1, sizeof(*in));
	if (!in)
		return -ENOMEM;
	ret = pagecsum_load(in, d, id, c->page_size, size);
	if (ret || !in->crc) {
		if (!ret)
			pr_debug("'%s/pages-%u.img' has no page checksums (pagecsum-%u.img): its "
				 "pages are not checked",
				 d->path, id, id);
		free(in);
		return ret;
	}
	snprintf(in->path, sizeof(in->path), "%s/pages-%u.img", d->path, id);
	if ((size_t)fd >= cs->n) {
		size_t n = (size_t)fd + 16;
		struct pagecsum_in **p = realloc(cs->by_fd, n * sizeof(*p));

		if (!p) {
			pagecsum_in_fini(in);
			free(in);
			return -ENOMEM;
		}
		memset(p + cs->n, 0, (n - cs->n) * sizeof(*p));
		cs->by_fd = p;
		cs->n = n;
	}
	if (cs->by_fd[fd]) { /* not expected: an fd closed and reused */
		pagecsum_in_fini(cs->by_fd[fd]);
		free(cs->by_fd[fd]);
	}
	cs->by_fd[fd] = in;
	return 0;
}

void rst_csums_fini(struct rst_csums *cs)
{
	for (size_t i = 0; i < cs->n; i++)
		if (cs->by_fd[i]) {
			pagecsum_in_fini(cs->by_fd[i]);
			free(cs->by_fd[i]);
		}
	free(cs->by_fd);
	memset(cs, 0, sizeof(*cs));
}

const struct pagecsum_in *rst_csums_of(const struct rst_csums *cs, int fd)
{
	return cs && fd >= 0 && (size_t)fd < cs->n ? cs->by_fd[fd] : NULL;
}

int rst_csums_check(const struct rst_csums *cs, const struct rst_seg *s, unsigned long skip,
		    const void *buf, size_t len, pid_t pid)
{
	const struct pagecsum_in *in = rst_csums_of(cs, s->pages_fd);
	uint32_t want, got;
	int64_t bad;
	unsigned long a;
	char where[96];

	if (!in)
		return 0;
	bad = pagecsum_check(in, cs->page_size, s->off + skip, buf, len, &want, &got);
	if (bad < 0)
		return 0;
	a = s->vaddr + (unsigned long)((uint64_t)bad - s->off);
	if (pid > 0)
		snprintf(where, sizeof(where), "pid %d, 0x%lx-0x%lx", pid, a, a + cs->page_size);
	else /* a shared memory object: vaddr is the offset in it */
		snprintf(where, sizeof(where), "shared memory, bytes 0x%lx-0x%lx", a,
			 a + cs->page_size);
	pr_err("image '%s': the page at offset 0x%llx (%s) does not match its checksum (stored "
	       "0x%08x, read 0x%08x): the images are damaged; dump again, or restore with "
	       "--no-page-checksums to take them as they are",
	       in->path, (unsigned long long)bad, where, want, got);
	return -EBADMSG;
}
