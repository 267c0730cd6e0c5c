/*
 * The soft-dirty tracker: clear_refs "4" begins an interval, pagemap bit 55
 * says what was written since (kernel-iface/soft-dirty.h). A new, grown or
 * in-place re-mapped VMA carries VM_SOFTDIRTY and reads wholly dirty, which
 * is what we want. A present zero page is reported too: it may stand for
 * data the process dropped (MADV_DONTNEED) and then only read.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pagemap.h"
#include "proc-maps.h"
#include "soft-dirty.h"
#include "tracker.h"

#define SD_CHUNK 4096 /* pagemap entries per read */

/* CONFIG_MEM_SOFT_DIRTY shows as "sd" in smaps VmFlags of new VMAs. */
static int sd_probe(char *why, size_t len)
{
	struct proc_vma_list l;
	bool seen = false;
	int ret;

	ret = proc_read_maps(getpid(), true, &l);
	if (ret) {
		snprintf(why, len, "cannot read /proc/self/smaps: %s", strerror(-ret));
		return -EOPNOTSUPP;
	}
	for (size_t i = 0; i < l.n; i++)
		if (l.v[i].vmflags & PROC_VMF_SOFTDIRTY)
			seen = true;
	proc_vma_list_free(&l);
	if (!seen) {
		snprintf(why, len,
			 "no VMA carries the \"sd\" flag: kernel without "
			 "CONFIG_MEM_SOFT_DIRTY");
		return -EOPNOTSUPP;
	}
	if (access("/proc/self/clear_refs", W_OK)) {
		snprintf(why, len, "/proc/self/clear_refs not writable: %s", strerror(errno));
		return -EOPNOTSUPP;
	}
	return 0;
}

/*
 * PFN range of the shared zero page(s), {0, 0} when PFNs are hidden from us.
 * s390 (and MIPS) keep several zero pages, one per cache colour, picked by
 * the virtual address: read-fault enough pages to see them all.
 */
#define SD_ZERO_PROBE 512
static void sd_zero_pfns(uint64_t *lo, uint64_t *hi)
{
	static uint64_t zlo = ~0ULL, zhi;
	long psz = sysconf(_SC_PAGESIZE);
	uint64_t e[SD_ZERO_PROBE];
	char *p;
	int fd;

	if (zlo == ~0ULL) {
		zlo = zhi = 0;
		p = mmap(NULL, SD_ZERO_PROBE * psz, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p != MAP_FAILED)
			madvise(p, SD_ZERO_PROBE * psz, MADV_NOHUGEPAGE);
		fd = p == MAP_FAILED ? -1 : pagemap_open(getpid());
		for (int i = 0; fd >= 0 && i < SD_ZERO_PROBE; i++)
			(void)*(volatile char *)(p + i * psz);
		if (fd >= 0 && pagemap_read(fd, (unsigned long)p, SD_ZERO_PROBE, e) == 0) {
			for (int i = 0; i < SD_ZERO_PROBE; i++) {
				uint64_t pfn = e[i] & PME_PFN_MASK;

				if (!(e[i] & PME_PRESENT) || !pfn)
					continue;
				if (!zlo || pfn < zlo)
					zlo = pfn;
				if (pfn > zhi)
					zhi = pfn;
			}
		}
		if (fd >= 0)
			close(fd);
		if (p != MAP_FAILED)
			munmap(p, SD_ZERO_PROBE * psz);
	}
	*lo = zlo;
	*hi = zhi;
}

static int sd_start(struct tracker_target *t)
{
	return soft_dirty_clear(t->pid);
}

static int sd_attach(struct tracker_target *t)
{
	return 0;
}

static int sd_dirty(struct tracker_target *t, unsigned long start, unsigned long end,
		    struct tracker_ranges *out)
{
	uint64_t zlo, zhi, *e;
	int ret = 0;

	sd_zero_pfns(&zlo, &zhi);
	e = malloc(SD_CHUNK * sizeof(*e));
	if (!e)
		return -ENOMEM;
	while (start < end && !ret) {
		size_t nr = (end - start) / t->page_size;

		if (nr > SD_CHUNK)
			nr = SD_CHUNK;
		ret = pagemap_read(t->pagemap_fd, start, nr, e);
		for (size_t i = 0; i < nr && !ret; i++) {
			unsigned long a = start + i * t->page_size;
			bool zero =
				(e[i] & PME_PRESENT) &&
				(zlo ? (e[i] & PME_PFN_MASK) >= zlo && (e[i] & PME_PFN_MASK) <= zhi
				     : !(e[i] & (PME_EXCLUSIVE | PME_FILE)));

			if ((e[i] & PME_SOFT_DIRTY) || zero)
				ret = tracker_ranges_add(out, a, a + t->page_size);
		}
		start += nr * t->page_size;
	}
	free(e);
	return ret;
}

static void sd_stop(struct tracker_target *t, bool final, int *late)
{
}

const struct tracker_ops tracker_soft_dirty = {
	.name = "soft-dirty",
	.what = "clear_refs + pagemap soft-dirty bit (CONFIG_MEM_SOFT_DIRTY)",
	/* "sd" in VmFlags is a hint; only a write seen in bit 55 proves it works */
	.caps = TRACKER_CAP_PROBE_GUESS,
	.blind_hint = "bit 55 never set after a write (kernel without CONFIG_MEM_SOFT_DIRTY?)",
	.probe = sd_probe,
	.start = sd_start,
	.attach = sd_attach,
	.dirty = sd_dirty,
	.reset = sd_start,
	.stop = sd_stop,
};
