/*
 * The uffd-wp tracker (Linux 6.7+): a userfaultfd created inside the target
 * (by injected syscalls, at a high number: tracker-fd.c) in async
 * write-protect mode. Writes to protected pages are resolved by the kernel
 * and leave PAGE_IS_WRITTEN for PAGEMAP_SCAN, which reports and re-protects
 * them in one step. The fd stays open in the
 * target between commands, so tracking survives the tool's exit.
 *
 * A VMA not registered for the whole interval (created, moved or re-created
 * since, or one the kernel refused) fails PM_SCAN_CHECK_WPASYNC with EPERM
 * and is reported wholly changed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "pagemap-scan.h"
#include "tracker.h"
#include "uffd.h"

/* Per process (t->priv). */
struct uf_state {
	int uffd;		       /* our copy of the target's uffd, -1 */
	int target_uffd;	       /* its number in the target, -1: none */
	unsigned long long uffd_ino;   /* its inode: unique per userfaultfd (5.12+); 0: unknown */
	struct tracker_ranges wp_done; /* protected again by dirty() in this interval */
};

static int uf_init(struct tracker_target *t)
{
	struct uf_state *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	s->uffd = -1;
	s->target_uffd = -1;
	t->priv = s;
	return 0;
}

static void uf_fini(struct tracker_target *t)
{
	struct uf_state *s = t->priv;

	if (!s)
		return;
	if (s->uffd >= 0)
		close(s->uffd);
	tracker_ranges_fini(&s->wp_done);
	free(s);
	t->priv = NULL;
}

/* The parent's fd number and inode: which uffd attach must find in the target. */
static int uf_load(struct tracker_target *t, const TrackerEntry *e, struct img *img)
{
	struct uf_state *s = t->priv;

	s->target_uffd = e->has_uffd_fd ? e->uffd_fd : -1;
	s->uffd_ino = e->has_uffd_ino ? e->uffd_ino : 0;
	return 0;
}

static void uf_save_head(const struct tracker_target *t, TrackerEntry *e)
{
	const struct uf_state *s = t->priv;

	e->has_uffd_fd = s->target_uffd >= 0;
	e->uffd_fd = s->target_uffd;
	e->has_uffd_ino = s->target_uffd >= 0 && s->uffd_ino;
	e->uffd_ino = s->uffd_ino;
}

static int uf_target_fd(const struct tracker_target *t, unsigned long long *ino)
{
	const struct uf_state *s = t->priv;

	if (s->uffd < 0) /* not (or no longer) tracking there */
		return -1;
	if (ino)
		*ino = s->uffd_ino;
	return s->target_uffd;
}

static int uf_probe(char *why, size_t len)
{
	int fd, ret;

	ret = pagemap_scan_probe(PAGE_IS_WRITTEN | PAGE_IS_WPALLOWED | PAGE_IS_PFNZERO);
	if (ret) {
		snprintf(why, len,
			 "PAGEMAP_SCAN ioctl unusable (%s): kernel older than 6.7 "
			 "or the ioctl is filtered",
			 strerror(-ret));
		return -EOPNOTSUPP;
	}
	fd = uffd_open(O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		snprintf(why, len, "userfaultfd() fails (%s)%s", strerror(-fd),
			 fd == -ENOSYS	? ": CONFIG_USERFAULTFD=n or filtered by seccomp"
			 : fd == -EPERM ? ": vm.unprivileged_userfaultfd=0 without privilege"
					: "");
		return -EOPNOTSUPP;
	}
	ret = uffd_api(fd, UFFD_TRACK_FEATURES, NULL);
	close(fd);
	if (ret) {
		snprintf(why, len,
			 "userfaultfd lacks async write-protect "
			 "(UFFD_FEATURE_WP_ASYNC|WP_UNPOPULATED, 6.7+): %s",
			 strerror(-ret));
		return -EOPNOTSUPP;
	}
	return 0;
}

/*
 * Takes the target's uffd into s->uffd and checks it is one and, when
 * s->uffd_ino is known, the very one (a new chain may have put another at
 * the same number): -ESTALE otherwise.
 */
static int uf_take(struct tracker_target *t)
{
	struct uf_state *s = t->priv;
	int fd = uffd_steal_fd(t->pid, s->target_uffd);
	struct stat st;

	if (fd < 0)
		return fd;
	if (uffd_is_uffd(fd) != 1 || fstat(fd, &st) || (s->uffd_ino && st.st_ino != s->uffd_ino)) {
		close(fd);
		return -ESTALE;
	}
	s->uffd = fd;
	s->uffd_ino = st.st_ino;
	return 0;
}

static int uf_close_in_target(pid_t pid, int fd)
{
	return tracker_fd_close(pid, &fd, 1);
}

static int uf_reset(struct tracker_target *t);

/* A fresh uffd, at a high number in the target (tracker-fd.c), taken and set up. */
static int uf_start(struct tracker_target *t)
{
	struct uf_state *s = t->priv;
	int fd, ret;

	fd = tracker_fd_create(t->pid);
	if (fd < 0)
		return fd;
	s->target_uffd = fd;
	s->uffd_ino = 0;
	ret = uf_take(t);
	if (!ret)
		ret = uffd_api(s->uffd, UFFD_TRACK_FEATURES, NULL);
	if (ret) {
		pr_debug("uffd-wp start on %d: %s\n", t->pid, strerror(-ret));
		if (s->uffd >= 0)
			close(s->uffd);
		s->uffd = -1;
		uf_close_in_target(t->pid, s->target_uffd);
		s->target_uffd = -1;
		return ret;
	}
	return uf_reset(t);
}

static int uf_attach(struct tracker_target *t)
{
	struct uf_state *s = t->priv;

	if (s->target_uffd < 0 || !s->uffd_ino) /* no identity: an image of an older tool */
		return -ESTALE;
	return uf_take(t);
}

/* Is [@start, @end) inside one of the normalized ranges @r? */
static bool uf_covered(const struct tracker_ranges *r, unsigned long start, unsigned long end)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i].start <= start && r->v[i].end >= end)
			return true;
	return false;
}

static int uf_region(const struct page_region *r, void *arg)
{
	return tracker_ranges_add(arg, r->start, r->end);
}

/*
 * Only pages holding data are matched for write-protection: this kernel
 * (6.18) reports never-populated holes of a registered VMA as written, and
 * protecting them installs a PTE marker per page, allocating page tables for
 * the whole hole (terabytes for a sanitizer's shadow: the machine runs out of
 * memory). A hole needs no protection: a first write to it creates a page
 * without the uffd-wp bit, which the next scan reports.
 */
#define UF_WRITTEN_DATA                                                                            \
	{                                                                                          \
		.mask = PAGE_IS_WRITTEN, .anyof = PAGE_IS_PRESENT | PAGE_IS_SWAPPED,               \
		.ret = PAGE_IS_WRITTEN                                                             \
	}

/*
 * The last dump of a chain re-protects nothing, so one walk can ask for both
 * written pages and zero pages; the written holes it also reports cost
 * nothing (the dump writes no data for holes). Each walk of a populated GiB
 * takes 1-3 ms here, inside the freeze.
 */
static int uf_dirty_last(struct tracker_target *t, unsigned long start, unsigned long end,
			 struct tracker_ranges *out)
{
	const struct pagemap_scan_query q = {
		.flags = PM_SCAN_CHECK_WPASYNC,
		.anyof = PAGE_IS_WRITTEN | PAGE_IS_PFNZERO,
		.ret = PAGE_IS_WRITTEN | PAGE_IS_PFNZERO,
	};
	int ret;

	ret = pagemap_scan_walk(t->pagemap_fd, start, end, &q, uf_region, out);
	if (ret == -EPERM) /* not registered for async WP the whole interval */
		return tracker_ranges_add(out, start, end);
	return ret;
}

static int uf_dirty(struct tracker_target *t, unsigned long start, unsigned long end,
		    struct tracker_ranges *out)
{
	struct pagemap_scan_query q = UF_WRITTEN_DATA;
	/* present zero pages: data dropped (MADV_DONTNEED), then only read */
	const struct pagemap_scan_query zero = {.mask = PAGE_IS_PFNZERO, .ret = PAGE_IS_PFNZERO};
	struct uf_state *s = t->priv;
	int ret;

	if (t->last)
		return uf_dirty_last(t, start, end, out);
	q.flags = PM_SCAN_WP_MATCHING | PM_SCAN_CHECK_WPASYNC;
	ret = pagemap_scan_walk(t->pagemap_fd, start, end, &q, uf_region, out);
	if (ret == -EPERM) /* not registered for async WP the whole interval */
		return tracker_ranges_add(out, start, end);
	if (!ret)
		ret = pagemap_scan_walk(t->pagemap_fd, start, end, &zero, uf_region, out);
	if (!ret)
		ret = tracker_ranges_add(&s->wp_done, start, end);
	return ret;
}

static int uf_ignore(const struct page_region *r, void *arg)
{
	return 0;
}

/* Registers every VMA and protects what dirty() did not already protect. */
static int uf_reset(struct tracker_target *t)
{
	struct pagemap_scan_query q = UF_WRITTEN_DATA;
	struct uf_state *s = t->priv;
	int ret = 0;

	q.flags = PM_SCAN_WP_MATCHING;
	tracker_ranges_normalize(&s->wp_done);
	for (size_t i = 0; i < t->vmas.n && !ret; i++) {
		const struct tracker_vma *v = &t->vmas.v[i];
		int r;

		if (tracker_vma_always_changed(t->ops, v))
			continue;
		/* refused VMAs (no VM_MAYWRITE, PFNMAP...) stay untracked: wholly dirty */
		r = uffd_register_wp(s->uffd, v->start, v->end - v->start);
		if (r)
			pr_debug("uffd-wp: %d: 0x%lx-0x%lx not registered: %s\n", t->pid, v->start,
				 v->end, strerror(-r));
		if (!r && uf_covered(&s->wp_done, v->start, v->end))
			continue;
		ret = pagemap_scan_walk(t->pagemap_fd, v->start, v->end, &q, uf_ignore, NULL);
	}
	tracker_ranges_fini(&s->wp_done);
	return ret;
}

static void uf_unregister_all(struct tracker_target *t)
{
	const struct uf_state *s = t->priv;

	for (size_t i = 0; i < t->vmas.n; i++)
		if (!(t->vmas.v[i].flags & TRACKER_VMA_SPECIAL))
			uffd_unregister(s->uffd, t->vmas.v[i].start,
					t->vmas.v[i].end - t->vmas.v[i].start);
}

/*
 * A final stop closes the target's fd. Unregistering walks the page tables
 * of all registered memory (~30 ms per GiB here), so with @late it is left
 * to the close of our copy, after the tree runs again (or died); without,
 * or when the target's fd could not be closed, it happens now.
 */
static void uf_stop(struct tracker_target *t, bool final, int *late)
{
	struct uf_state *s = t->priv;
	bool closed = false;

	if (final && s->target_uffd >= 0) {
		int ret = uf_close_in_target(t->pid, s->target_uffd);

		if (ret)
			pr_warn("uffd-wp: cannot close fd %d in %d: %s\n", s->target_uffd, t->pid,
				strerror(-ret));
		closed = !ret;
		s->target_uffd = -1;
	}
	if (final && s->uffd >= 0 && (!late || !closed))
		uf_unregister_all(t); /* stops tracking even if the close failed */
	if (final && late && closed) {
		*late = s->uffd; /* the caller closes it later */
		s->uffd = -1;
		return;
	}
	if (s->uffd >= 0)
		close(s->uffd);
	s->uffd = -1;
}

const struct tracker_ops tracker_uffd_wp = {
	.name = "uffd-wp",
	.what = "userfaultfd async write-protect + PAGEMAP_SCAN (6.7+)",
	.caps = TRACKER_CAP_TARGET_FD,
	.probe = uf_probe,
	.init = uf_init,
	.fini = uf_fini,
	.load = uf_load,
	.save_head = uf_save_head,
	.start = uf_start,
	.attach = uf_attach,
	.dirty = uf_dirty,
	.reset = uf_reset,
	.target_fd = uf_target_fd,
	.stop = uf_stop,
};
