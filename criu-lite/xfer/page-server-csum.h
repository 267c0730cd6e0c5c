/*
 * Page server side of page checksums (internal to page-server.c): the
 * PAGE_CSUMS values a client sends are checked against the PAGES frame
 * that follows and written to pagecsum-N.img next to pages-N.img; pages
 * that come without them (a client that does not send them) get
 * checksums computed here, so the images on this side always have them
 * unless the server runs with --no-page-checksums.
 */
#ifndef CRL_PAGE_SERVER_CSUM_H
#define CRL_PAGE_SERVER_CSUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "img-pagecsum.h"
#include "page-xfer.h"

struct ps_csum {
	bool on;		      /* this server writes and checks checksums */
	struct pagecsum_out out;      /* of the open image */
	uint8_t rx[PX_CSUMS_MAX * 4]; /* values for the next PAGES frame */
	uint32_t rx_n;
	bool rx_have;
	uint64_t bad_off; /* the first bad page's offset in its pages file (after -EBADMSG) */
};

/* Opens pagecsum-@pages_id.img in @d (nothing when off). 0 or -errno. */
int ps_csum_open(struct ps_csum *cs, const struct img_dir *d, unsigned long pages_id,
		 size_t page_size);
/* A PAGE_CSUMS frame: 0, or -EPROTO when it is malformed or unexpected. */
int ps_csum_frame(struct ps_csum *cs, const uint8_t *p, uint32_t len, size_t page_size);
/*
 * A PAGES frame of @len bytes at file offset @off: checked against the
 * values received for it (-EBADMSG on a mismatch, cs->bad_off set; -EPROTO
 * when their count differs), or checksummed here; then recorded.
 */
int ps_csum_pages(struct ps_csum *cs, const uint8_t *p, uint32_t len, uint64_t off);
/* Closes the image's checksums; the first error or @ret. */
int ps_csum_close(struct ps_csum *cs, int ret);

#endif
