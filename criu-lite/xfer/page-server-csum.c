/*
 * Page server: page checksums (page-server-csum.h).
 */
#include <errno.h>
#include <string.h>

#include "page-server-csum.h"

int ps_csum_open(struct ps_csum *cs, const struct img_dir *d, unsigned long pages_id,
		 size_t page_size)
{
	cs->rx_have = false;
	if (!cs->on)
		return 0;
	return pagecsum_open(&cs->out, d, pages_id, page_size);
}

int ps_csum_frame(struct ps_csum *cs, const uint8_t *p, uint32_t len, size_t page_size)
{
	if (!cs->out.img || cs->rx_have || len % 4 || !len ||
	    len / 4 > PAGE_XFER_PAGES_FRAME / page_size)
		return -EPROTO;
	memcpy(cs->rx, p, len);
	cs->rx_n = len / 4;
	cs->rx_have = true;
	return 0;
}

int ps_csum_pages(struct ps_csum *cs, const uint8_t *p, uint32_t len, uint64_t off)
{
	size_t ps = cs->out.page_size, nr;
	uint32_t v[PX_CSUMS_MAX];

	if (!cs->out.img)
		return 0;
	if (!cs->rx_have)
		return pagecsum_add(&cs->out, p, len);
	cs->rx_have = false;
	nr = len / ps;
	if (cs->rx_n != nr)
		return -EPROTO;
	for (size_t i = 0; i < nr; i++) {
		v[i] = page_xfer_get32(cs->rx + 4 * i);
		if (pagecsum_of(p + i * ps, ps) != v[i]) {
			cs->bad_off = off + i * ps;
			return -EBADMSG;
		}
	}
	return pagecsum_add_values(&cs->out, v, nr);
}

int ps_csum_close(struct ps_csum *cs, int ret)
{
	cs->rx_have = false;
	return pagecsum_close(&cs->out, ret);
}
