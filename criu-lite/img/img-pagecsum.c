/*
 * pagecsum-N.img: per-page CRC32C of pages-N.img (img-pagecsum.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crc32c.h"
#include "img-pagecsum.h"
#include "log.h"
#include "pagecsum.pb-c.h"

uint32_t pagecsum_of(const void *buf, size_t len)
{
	return arch_crc32c(0, buf, len);
}

int pagecsum_open(struct pagecsum_out *o, const struct img_dir *d, unsigned long pages_id,
		  size_t page_size)
{
	PageCsumHead h = PAGE_CSUM_HEAD__INIT;
	int ret;

	o->img = NULL;
	o->n = 0;
	o->pages = 0;
	o->page_size = page_size;
	ret = img_open(d, IMG_PAGE_CSUM, pages_id, true, &o->img);
	if (ret)
		return ret;
	h.algo = PAGECSUM_ALGO_CRC32C;
	h.page_size = (uint32_t)page_size;
	ret = img_write_msg(o->img, &h.base);
	if (ret) {
		img_close(o->img);
		o->img = NULL;
	}
	return ret;
}

static int pagecsum_flush(struct pagecsum_out *o)
{
	PageCsumEntry e = PAGE_CSUM_ENTRY__INIT;
	int ret;

	if (!o->n)
		return 0;
	e.n_crc = o->n;
	e.crc = o->crc;
	ret = img_write_msg(o->img, &e.base);
	o->n = 0;
	return ret;
}

int pagecsum_add_values(struct pagecsum_out *o, const uint32_t *crc, size_t n)
{
	if (!o->img)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (o->n == PAGECSUM_CHUNK) {
			int ret = pagecsum_flush(o);

			if (ret)
				return ret;
		}
		o->crc[o->n++] = crc[i];
		o->pages++;
	}
	return 0;
}

int pagecsum_add(struct pagecsum_out *o, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	if (!o->img)
		return 0;
	for (; len >= o->page_size; len -= o->page_size, p += o->page_size) {
		uint32_t c = pagecsum_of(p, o->page_size);
		int ret = pagecsum_add_values(o, &c, 1);

		if (ret)
			return ret;
	}
	return 0;
}

int pagecsum_close(struct pagecsum_out *o, int ret)
{
	if (!o->img)
		return ret;
	if (!ret)
		ret = pagecsum_flush(o);
	ret = img_close(o->img) ?: ret;
	o->img = NULL;
	return ret;
}

void pagecsum_in_fini(struct pagecsum_in *in)
{
	free(in->crc);
	in->crc = NULL;
	in->n = 0;
}

static int pagecsum_read_head(struct img *img, size_t page_size)
{
	ProtobufCMessage *m;
	PageCsumHead *h;
	int ret = img_read_msg(img, &page_csum_head__descriptor, &m);

	if (ret == 0)
		pr_err("image '%s' has no head: remove it to restore without checking, or dump "
		       "again",
		       img->path);
	if (ret <= 0)
		return ret ? ret : -EINVAL;
	h = (PageCsumHead *)m;
	if (h->algo != PAGECSUM_ALGO_CRC32C || h->page_size != page_size) {
		pr_err("image '%s': checksum algorithm %u over %u-byte pages; this criu-lite "
		       "knows algorithm %u over %zu-byte pages",
		       img->path, h->algo, h->page_size, PAGECSUM_ALGO_CRC32C, page_size);
		ret = -EOPNOTSUPP;
	} else {
		ret = 0;
	}
	img_free_msg(m);
	return ret;
}

int pagecsum_load(struct pagecsum_in *in, const struct img_dir *d, unsigned long pages_id,
		  size_t page_size, uint64_t pages_size)
{
	size_t want = (size_t)(pages_size / page_size);
	ProtobufCMessage *m;
	struct img *img;
	int ret;

	in->crc = NULL;
	in->n = 0;
	ret = img_open(d, IMG_PAGE_CSUM, pages_id, false, &img);
	if (ret == -ENOENT)
		return 0;
	if (ret)
		return ret;
	ret = pagecsum_read_head(img, page_size);
	while (!ret && (ret = img_read_msg(img, &page_csum_entry__descriptor, &m)) == 1) {
		PageCsumEntry *e = (PageCsumEntry *)m;
		/* values past the file's pages: a truncated pages file, which the
		 * pagemap's own check names better (entries past its end) */
		size_t take = e->n_crc < want - in->n ? e->n_crc : want - in->n;

		ret = 0;
		if (take && !in->crc && !(in->crc = malloc(want * sizeof(*in->crc))))
			ret = -ENOMEM;
		if (!ret && take)
			memcpy(in->crc + in->n, e->crc, take * sizeof(*e->crc));
		in->n += ret ? 0 : take;
		img_free_msg(m);
	}
	if (!ret && in->n != want) {
		ret = -EINVAL;
		pr_err("image '%s' holds fewer checksums than its pages file has pages (%zu): "
		       "remove it to restore without checking, or dump again",
		       img->path, want);
	}
	img_close(img);
	if (ret)
		pagecsum_in_fini(in);
	return ret;
}

int64_t pagecsum_check(const struct pagecsum_in *in, size_t page_size, uint64_t off,
		       const void *buf, size_t len, uint32_t *want, uint32_t *got)
{
	const uint8_t *p = buf;

	for (size_t i = 0; i + page_size <= len; i += page_size) {
		size_t k = (size_t)((off + i) / page_size);
		uint32_t c = pagecsum_of(p + i, page_size);

		if (k >= in->n || c != in->crc[k]) {
			*want = k < in->n ? in->crc[k] : 0;
			*got = c;
			return (int64_t)(off + i);
		}
	}
	return -1;
}
