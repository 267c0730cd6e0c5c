/*
 * Page server: a dump's pages files read by a restore --lazy-pages
 * --page-server (its lazy-pages server fetches each page on first touch).
 * Names are confined to pages files of the server's -D and its parent chain:
 * "parent/" any number of times, then "pages-N.img".
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "page-server-get.h"
#include "page-xfer.h"

static bool ps_get_name_ok(const char *s)
{
	unsigned int id;
	int end = 0;

	while (!strncmp(s, "parent/", 7))
		s += 7;
	return sscanf(s, "pages-%u.img%n", &id, &end) == 1 && end > 0 && !s[end];
}

int ps_get_open(struct ps_get *g, int basefd, const uint8_t *p, uint32_t len, uint8_t *out,
		uint32_t *n, char *why, size_t wl)
{
	char name[4097];
	struct stat st;
	uint32_t nl;
	int fd;

	nl = len >= 2 ? page_xfer_get16(p) : 0;
	if (len < 2 || nl != len - 2 || nl >= sizeof(name)) {
		snprintf(why, wl, "malformed GET_OPEN");
		return -EPROTO;
	}
	memcpy(name, p + 2, nl);
	name[nl] = 0;
	if (!ps_get_name_ok(name)) {
		snprintf(why, wl, "GET_OPEN of '%.200s': not a pages file of this dump", name);
		return -EPERM;
	}
	if (g->n == PS_GET_MAX) {
		snprintf(why, wl, "more than %d pages files open", PS_GET_MAX);
		return -EMFILE;
	}
	fd = openat(basefd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		int e = fd < 0 ? errno : EINVAL;

		if (fd >= 0)
			close(fd);
		snprintf(why, wl, "cannot open '%.200s': %s", name, strerror(e));
		return -e;
	}
	g->fd[g->n] = fd;
	g->size[g->n] = (uint64_t)st.st_size;
	page_xfer_put32(out, (uint32_t)g->n);
	page_xfer_put32(out + 4, 0);
	page_xfer_put64(out + 8, (uint64_t)st.st_size);
	g->n++;
	*n = 16;
	return 0;
}

int ps_get_read(struct ps_get *g, const uint8_t *p, uint32_t len, uint8_t *out, uint32_t *n,
		char *why, size_t wl)
{
	uint32_t h, want;
	uint64_t off;

	if (len != 16) {
		snprintf(why, wl, "malformed GET_READ");
		return -EPROTO;
	}
	h = page_xfer_get32(p);
	want = page_xfer_get32(p + 4);
	off = page_xfer_get64(p + 8);
	if (h >= g->n || want > PAGE_XFER_MAX_FRAME || off > g->size[h] ||
	    want > g->size[h] - off) {
		snprintf(why, wl, "GET_READ of %u bytes at %llu of file %u: out of range", want,
			 (unsigned long long)off, h);
		return -EINVAL;
	}
	for (uint32_t got = 0; got < want;) {
		ssize_t r = pread(g->fd[h], out + got, want - got, (off_t)(off + got));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			snprintf(why, wl, "reading file %u at %llu: %s", h,
				 (unsigned long long)(off + got), r ? strerror(errno) : "short");
			return r ? -errno : -EIO;
		}
		got += (uint32_t)r;
	}
	*n = want;
	return 0;
}

void ps_get_fini(struct ps_get *g)
{
	for (size_t i = 0; i < g->n; i++)
		close(g->fd[i]);
	g->n = 0;
}
