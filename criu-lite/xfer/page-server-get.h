/*
 * Page server: reads of a dump's pages files for a lazily restoring client
 * (PX_GET_OPEN, PX_GET_READ in page-xfer.h). Each function fills the answer's
 * payload into @out (*@n bytes) or returns -errno with @why filled.
 */
#ifndef CRL_PAGE_SERVER_GET_H
#define CRL_PAGE_SERVER_GET_H

#include <stddef.h>
#include <stdint.h>

#define PS_GET_MAX 128 /* pages files open at once (a chain of 64 dirs, two each) */

struct ps_get {
	int fd[PS_GET_MAX];
	uint64_t size[PS_GET_MAX];
	size_t n;
};

int ps_get_open(struct ps_get *g, int basefd, const uint8_t *p, uint32_t len, uint8_t *out,
		uint32_t *n, char *why, size_t wl);
int ps_get_read(struct ps_get *g, const uint8_t *p, uint32_t len, uint8_t *out, uint32_t *n,
		char *why, size_t wl);
void ps_get_fini(struct ps_get *g);

#endif
