/*
 * PAGEMAP_SCAN: written ranges are found exactly after write-protecting, and
 * agree with pagemap's uffd-wp bit (bit 57) page by page.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pagemap-scan.h"
#include "uffd.h"
#include "tap.h"

#define NPAGES 64
#define PM_UFFD_WP_BIT (1ULL << 57)

static long psz;

struct collect {
	unsigned long start[NPAGES], end[NPAGES];
	int n;
};

static int collect_cb(const struct page_region *r, void *arg)
{
	struct collect *c = arg;

	if (c->n >= NPAGES)
		return -E2BIG;
	c->start[c->n] = r->start;
	c->end[c->n] = r->end;
	c->n++;
	return 0;
}

static int scan_written(int pm, char *p, int wp, struct collect *c)
{
	struct pagemap_scan_query q = {
		.flags = wp ? PM_SCAN_WP_MATCHING | PM_SCAN_CHECK_WPASYNC : 0,
		.mask = PAGE_IS_WRITTEN,
		.ret = PAGE_IS_WRITTEN,
	};

	memset(c, 0, sizeof(*c));
	return pagemap_scan_walk(pm, (unsigned long)p, (unsigned long)p + NPAGES * psz, &q,
				 collect_cb, c);
}

/* Pages whose pagemap entry lacks the uffd-wp bit, as a bitmap. */
static uint64_t pagemap_unprotected(int pm, char *p)
{
	uint64_t e[NPAGES], bits = 0;

	if (pread(pm, e, sizeof(e), (off_t)((uintptr_t)p / psz) * 8) != sizeof(e))
		return ~0ULL;
	for (int i = 0; i < NPAGES; i++)
		if (!(e[i] & PM_UFFD_WP_BIT))
			bits |= 1ULL << i;
	return bits;
}

static uint64_t ranges_bitmap(const struct collect *c, char *p)
{
	uint64_t bits = 0;

	for (int i = 0; i < c->n; i++)
		for (unsigned long a = c->start[i]; a < c->end[i]; a += psz)
			bits |= 1ULL << ((a - (unsigned long)p) / psz);
	return bits;
}

int main(void)
{
	static const int written[] = {3, 10, 11, 12, 40, 63};
	uint64_t want = 0;
	struct collect c;
	int pm, uffd, ret;
	char *p, *q;

	psz = sysconf(_SC_PAGESIZE);
	ret = pagemap_scan_probe(PAGE_IS_WRITTEN);
	if (ret) {
		printf("1..0 # SKIP PAGEMAP_SCAN unavailable: %s\n", strerror(-ret));
		return 77;
	}
	ok(pagemap_scan_probe(1ULL << 40) == -EINVAL, "an unknown category is refused with EINVAL");

	pm = open("/proc/self/pagemap", O_RDONLY);
	p = mmap(NULL, NPAGES * psz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	q = mmap(NULL, NPAGES * psz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (pm < 0 || p == MAP_FAILED || q == MAP_FAILED)
		return 1;
	memset(p, 1, NPAGES * psz);

	uffd = uffd_open(O_CLOEXEC | O_NONBLOCK);
	if (uffd < 0) {
		printf("1..0 # SKIP userfaultfd: %s\n", strerror(-uffd));
		return 77;
	}
	ret = uffd_api(uffd, UFFD_TRACK_FEATURES, NULL);
	ok(ret == 0, "UFFDIO_API with WP_ASYNC|WP_UNPOPULATED: %d", ret);
	ret = uffd_register_wp(uffd, (unsigned long)p, NPAGES * psz);
	ok(ret == 0, "UFFDIO_REGISTER mode WP: %d", ret);

	ret = scan_written(pm, p, 1, &c);
	ok(ret == 0 && c.n >= 1, "first scan with WP_MATCHING reports the populated pages (%d, %d)",
	   ret, c.n);
	ret = scan_written(pm, p, 0, &c);
	ok(ret == 0 && c.n == 0, "after write-protect nothing is written (%d regions)", c.n);
	ok(pagemap_unprotected(pm, p) == 0, "pagemap: every page carries the uffd-wp bit");

	for (unsigned i = 0; i < sizeof(written) / sizeof(written[0]); i++) {
		p[written[i] * psz + 5] = 7;
		want |= 1ULL << written[i];
	}
	for (int i = 0; i < NPAGES; i += 2)
		(void)*(volatile char *)(p + i * psz);

	ret = scan_written(pm, p, 0, &c);
	ok(ret == 0 && c.n == 4, "written pages come back as 4 merged regions (%d)", c.n);
	ok(ranges_bitmap(&c, p) == want, "regions are exactly the written pages (%#llx vs %#llx)",
	   (unsigned long long)ranges_bitmap(&c, p), (unsigned long long)want);
	ok(pagemap_unprotected(pm, p) == want, "pagemap uffd-wp bit agrees page by page (%#llx)",
	   (unsigned long long)pagemap_unprotected(pm, p));

	ret = scan_written(pm, p, 1, &c);
	ok(ret == 0 && ranges_bitmap(&c, p) == want, "WP_MATCHING scan returns the same set");
	ret = scan_written(pm, p, 0, &c);
	ok(ret == 0 && c.n == 0, "and re-protected it atomically (%d regions left)", c.n);

	q[0] = 1;
	ret = scan_written(pm, q, 1, &c);
	ok(ret == -EPERM, "CHECK_WPASYNC on an unregistered area fails with EPERM (%d)", ret);

	close(uffd);
	close(pm);
	return tap_done();
}
