/*
 * Page checksums (pagecsum-N.img next to pages-N.img): one CRC32C per page
 * of the pages file, in file order (docs/image-format.md "Page checksums").
 * Writing streams: values are computed as pages are written and flushed in
 * chunks, so the writer's memory does not grow with the dump. Reading loads
 * the whole list (4 bytes per page).
 */
#ifndef CRL_IMG_PAGECSUM_H
#define CRL_IMG_PAGECSUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "img.h"

#define PAGECSUM_ALGO_CRC32C 1
#define PAGECSUM_CHUNK 4096 /* values per page_csum_entry */

struct pagecsum_out {
	struct img *img; /* NULL: not writing (closed, or checksums off) */
	size_t page_size;
	uint32_t crc[PAGECSUM_CHUNK];
	size_t n; /* values pending in crc[] */
	uint64_t pages;
};

/* The checksum of one page (or any buffer): CRC32C through the arch's fast path. */
uint32_t pagecsum_of(const void *buf, size_t len);

/* Creates pagecsum-@pages_id.img in @d and writes its head. 0 or -errno (logged). */
int pagecsum_open(struct pagecsum_out *o, const struct img_dir *d, unsigned long pages_id,
		  size_t page_size);
/* Appends the checksums of @len bytes of whole pages. 0 or -errno. No-op when not open. */
int pagecsum_add(struct pagecsum_out *o, const void *buf, size_t len);
/* Appends @n checksums computed elsewhere (a page server's client sent them). */
int pagecsum_add_values(struct pagecsum_out *o, const uint32_t *crc, size_t n);
/* Flushes and closes unless @ret (then it only closes); the first error or @ret. */
int pagecsum_close(struct pagecsum_out *o, int ret);

struct pagecsum_in {
	uint32_t *crc; /* NULL: the pages file has no checksums */
	size_t n;
	char path[4096 + 256]; /* the pages file, for messages */
};

/*
 * Loads pagecsum-@pages_id.img of @d: 0 with in->crc NULL when there is none,
 * 0 with the values, or -errno on a damaged file or one that does not cover
 * exactly @pages_size bytes of @page_size pages (logged).
 */
int pagecsum_load(struct pagecsum_in *in, const struct img_dir *d, unsigned long pages_id,
		  size_t page_size, uint64_t pages_size);
void pagecsum_in_fini(struct pagecsum_in *in);

/*
 * Checks @len bytes at @buf, read from file offset @off, page by page.
 * Returns -1 when all match, else the file offset of the first bad page
 * (its stored and computed values in *@want and *@got).
 */
int64_t pagecsum_check(const struct pagecsum_in *in, size_t page_size, uint64_t off,
		       const void *buf, size_t len, uint32_t *want, uint32_t *got);

#endif
