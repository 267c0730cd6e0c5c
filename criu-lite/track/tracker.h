/*
 * Write trackers: which pages of a process may have changed since the last
 * dump of the chain. One operations table per tracker (soft-dirty, uffd-wp,
 * digest, none); a tracker is used only after its self-test passed on this
 * kernel (tracker-validate.c). See docs/tracking.md.
 *
 * The cardinal rule: a tracker may report too much, never too little. Memory
 * that was not tracked for the whole interval (a VMA that is new, moved,
 * grown, remapped, whose protection changed, or that the kernel did not let us
 * track) is reported wholly changed.
 */
#ifndef CRL_TRACKER_H
#define CRL_TRACKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "tracker.pb-c.h" /* TrackerEntry: the head of tracker-PID.img */

struct img;
struct img_dir;
struct proc_vma_list;

/* ---- address ranges ---- */
struct tracker_range {
	unsigned long start, end;
};

struct tracker_ranges {
	struct tracker_range *v;
	size_t n;
};

/* Appends [@start, @end), merged with the last range when they touch. 0 or -ENOMEM. */
int tracker_ranges_add(struct tracker_ranges *r, unsigned long start, unsigned long end);
/* Sorts and merges overlapping or adjacent ranges. */
void tracker_ranges_normalize(struct tracker_ranges *r);
/* On normalized ranges: does any range intersect [@start, @end)? */
bool tracker_ranges_hit(const struct tracker_ranges *r, unsigned long start, unsigned long end);
void tracker_ranges_fini(struct tracker_ranges *r);

/* ---- VMAs as the tracker remembers them between dumps ---- */
#define TRACKER_VMA_SHARED (1u << 0)  /* MAP_SHARED */
#define TRACKER_VMA_FILE (1u << 1)    /* backed by a file (dev/ino meaningful) */
#define TRACKER_VMA_SPECIAL (1u << 2) /* [vdso], devices, anon_inode, aio: never tracked */

struct tracker_vma {
	unsigned long start, end;
	unsigned long long pgoff, ino;
	unsigned int dev;   /* makedev(major, minor) */
	unsigned int prot;  /* PROT_* */
	unsigned int flags; /* TRACKER_VMA_* */
};

struct tracker_vmas {
	struct tracker_vma *v;
	size_t n;
};

int tracker_vmas_from_proc(const struct proc_vma_list *l, struct tracker_vmas *out);
/* Reads /proc/@pid/maps. 0 or -errno. */
int tracker_vmas_read(pid_t pid, struct tracker_vmas *out);
void tracker_vmas_fini(struct tracker_vmas *v);
/*
 * Adds to @changed the parts of @cur that are not provably the same memory as
 * in @prev: new, moved or grown areas, areas whose protection, sharing, file
 * (dev/ino) or file offset differ. Parts of @prev gone from @cur need nothing
 * (there is nothing left to dump). Both lists sorted by address. 0 or -ENOMEM.
 */
int tracker_vma_diff(const struct tracker_vmas *prev, const struct tracker_vmas *cur,
		     struct tracker_ranges *changed);

struct tracker_ops;
/*
 * Areas a tracker never vouches for, reported wholly changed on every dump:
 * special mappings (the kernel or a device writes them through its own
 * mapping), and for page-table trackers shared memory, which other processes
 * (outside the dump, or through their own page tables) can write unseen.
 */
bool tracker_vma_always_changed(const struct tracker_ops *ops, const struct tracker_vma *v);

/* ---- one tracked process ---- */
/*
 * What every tracker sees of one process. A tracker's own state (its fds,
 * its digests) is behind @priv: allocated by ops->init, freed by ops->fini,
 * defined in the tracker's own file and named nowhere else.
 */
struct tracker_target {
	const struct tracker_ops *ops;
	pid_t pid;
	unsigned long page_size;
	int pagemap_fd;		  /* /proc/PID/pagemap */
	struct tracker_vmas vmas; /* current VMAs */
	bool last;		  /* no next interval: dirty() need not re-protect */
	void *priv;		  /* the tracker's, NULL before init */
};

/*
 * What a tracker can do or needs, for the code that drives it: common code
 * asks these flags and never which tracker it holds.
 */
/* Compares content, not page tables: sees writes to shared memory by anyone. */
#define TRACKER_CAP_SEES_SHARED (1u << 0)
/* Needs no kernel feature (the arch table has nothing to say about it). */
#define TRACKER_CAP_ANY_KERNEL (1u << 1)
/*
 * Its probe only guesses: when the probe fails, the self-test is run anyway
 * to say what the kernel really does.
 */
#define TRACKER_CAP_PROBE_GUESS (1u << 2)
/* Needs the bytes the dump wrote for each page (ops->note). */
#define TRACKER_CAP_NEEDS_DATA (1u << 3)
/*
 * Keeps an fd in the target between commands (ops->target_fd): the dump
 * hides it from the fd dump and removes it when tracking ends.
 */
#define TRACKER_CAP_TARGET_FD (1u << 4)

/*
 * The operations of one tracker. Calls happen in this order for one process
 * and one dump: init; load (a parent image holds its state); start (first
 * dump of a chain; the process is ptrace-stopped) or attach (later dumps:
 * continue what an earlier command started), then dirty on each tracked
 * range, then reset, all while the process is frozen; save_head and
 * save_tail; stop at the end of the command; fini. Ops marked optional may
 * be NULL: nothing to do.
 */
struct tracker_ops {
	const char *name;
	const char *what;  /* one line for check */
	unsigned int caps; /* TRACKER_CAP_* */
	/* The likely cause when the self-test misses most cases, or NULL. */
	const char *blind_hint;
	/* Is the kernel interface there? 0, or -EOPNOTSUPP with the reason in @why. */
	int (*probe)(char *why, size_t len);
	/* Optional: allocates t->priv. 0 or -ENOMEM. */
	int (*init)(struct tracker_target *t);
	/* Optional: frees t->priv and closes our fds; never touches the target. */
	void (*fini)(struct tracker_target *t);
	/*
	 * Optional: takes its state from the parent's tracker image, the head
	 * @e, then its own records that follow in @img. 0 or -errno.
	 */
	int (*load)(struct tracker_target *t, const TrackerEntry *e, struct img *img);
	/* Optional: puts its state into the head @e before it is written. */
	void (*save_head)(const struct tracker_target *t, TrackerEntry *e);
	/* Optional: writes its own records after the head. 0 or -errno. */
	int (*save_tail)(const struct tracker_target *t, struct img *img);
	/* Begins tracking t->vmas; the target is ptrace-stopped. */
	int (*start)(struct tracker_target *t);
	/* Picks up tracking begun by an earlier command; -ESTALE if it is gone. */
	int (*attach)(struct tracker_target *t);
	/*
	 * Adds to @out the pages of [@start, @end) (inside one VMA of t->vmas that
	 * was tracked the whole interval) that may have changed since the last
	 * start/reset. Pages that hold no data now (neither present nor swapped)
	 * may be left out: the dump writes nothing for them.
	 */
	int (*dirty)(struct tracker_target *t, unsigned long start, unsigned long end,
		     struct tracker_ranges *out);
	/* Begins a new interval over t->vmas (after dirty). */
	int (*reset)(struct tracker_target *t);
	/* TRACKER_CAP_NEEDS_DATA: the dump wrote @data for @nr pages from @addr. */
	void (*note)(struct tracker_target *t, unsigned long addr, const void *data, size_t nr);
	/*
	 * Optional, for the self-test: ends an interval the way separate commands
	 * would, as if this state were saved and loaded by the next one.
	 */
	void (*next_interval)(struct tracker_target *t);
	/*
	 * TRACKER_CAP_TARGET_FD: the number of the fd it keeps in the target
	 * while it holds tracking there, and its inode in *@ino (if @ino); -1 if
	 * none.
	 */
	int (*target_fd)(const struct tracker_target *t, unsigned long long *ino);
	/*
	 * Ends this command's use; @final also removes the tracking from the
	 * target. With @late (final stops only), it may leave the undoing to the
	 * caller: *@late receives our copy of its fd (still registered, the
	 * target's own fd closed), which the caller closes later, outside the
	 * freeze; else *@late is left alone. The caller sets *@late to -1.
	 */
	void (*stop)(struct tracker_target *t, bool final, int *late);
};

extern const struct tracker_ops tracker_soft_dirty;
extern const struct tracker_ops tracker_uffd_wp;
extern const struct tracker_ops tracker_digest;
extern const struct tracker_ops tracker_none;

/* All trackers, best first (the order auto tries); NULL-terminated. */
extern const struct tracker_ops *const tracker_all[];

const struct tracker_ops *tracker_by_name(const char *name);
/* Sets up @t for @ops and @pid, with the tracker's own state (ops->init). 0 or -ENOMEM. */
int tracker_target_init(struct tracker_target *t, const struct tracker_ops *ops, pid_t pid);
/* Frees the tracker's state (ops->fini) and closes the common fds. */
void tracker_target_fini(struct tracker_target *t);
/*
 * Replaces the tracker's state with a fresh one: what ops->load gave is
 * forgotten. 0, or -ENOMEM with the old state kept.
 */
int tracker_target_renew(struct tracker_target *t);
/* ops->target_fd where the tracker keeps one (TRACKER_CAP_TARGET_FD), else -1. */
int tracker_target_fd(const struct tracker_target *t, unsigned long long *ino);

/* What this arch and kernel release should offer (a hint; validation decides). */
const char *tracker_arch_expect(const struct tracker_ops *ops);

/* ---- the uffd-wp tracker's fd in a target (tracker-fd.c) ---- */
struct tracker_fd {
	int fd;
	unsigned long long ino;
};

/*
 * The highest number below min(@limit, 4096) that is not among the ascending
 * @fds; -EMFILE if none. Pure: where a new tracker fd goes.
 */
int tracker_fd_pick(const int *fds, size_t n, unsigned long limit);
/*
 * Creates a userfaultfd in @pid (ptrace-stopped) by injection: marked as the
 * tracker's, close-on-exec, at the number tracker_fd_pick() gives for its
 * fds and RLIMIT_NOFILE soft limit. Returns the number or -errno.
 */
int tracker_fd_create(pid_t pid);
/* Is fd @fd of @pid a marked userfaultfd (one of ours)? 1 (*@ino: its inode), 0, -errno. */
int tracker_fd_is_ours(pid_t pid, int fd, unsigned long long *ino);
/* The marked userfaultfds of @pid, up to @max into @out: how many, or -errno. */
int tracker_fd_list(pid_t pid, struct tracker_fd *out, size_t max);
/* Closes @n fds of @pid (ptrace-stopped) by injection. 0 or the first -errno. */
int tracker_fd_close(pid_t pid, const int *fds, size_t n);

/* ---- validation (tracker-validate.c, tracker-cache.c) ---- */
struct tracker_verdict {
	bool available; /* probe passed */
	bool validated; /* self-test passed */
	bool cached;	/* taken from the per-boot cache */
	char why[512];	/* why not, in plain words */
};

/*
 * Runs @ops' self-test in a throwaway child: every scenario of
 * docs/tracking.md must be caught. Returns 0 when it passed, -EOPNOTSUPP when
 * the tracker is unavailable or missed a case (reason in @v), other -errno
 * when the test itself could not run (also in @v).
 */
int tracker_validate(const struct tracker_ops *ops, struct tracker_verdict *v);
/* The self-test alone, without the probe (tests; explaining a failed probe). */
int tracker_validate_cases(const struct tracker_ops *ops, struct tracker_verdict *v);
/*
 * The verdict for @ops on this boot: from the cache when it is there
 * (CRL_TRACKER_CACHE=path overrides the place, =off disables it), else by
 * probing and validating, then stored.
 */
int tracker_verdict(const struct tracker_ops *ops, struct tracker_verdict *v);
/* Whether a tracker other than none validated here: incremental dumps work. */
bool tracker_any_validated(void);
/* Removes the cache file (tests). */
void tracker_cache_drop(void);

/*
 * Picks the tracker for @name ("auto" or NULL: the best that validates).
 * A named tracker that fails validation is refused: -EOPNOTSUPP, reason in
 * @why. Unknown name: -EINVAL.
 */
int tracker_select(const char *name, const struct tracker_ops **out, char *why, size_t len);

/* ---- digests (tracker-digest.c) ---- */
/* Page address -> digest of the page in the images (tracker-digest-set.c). */
struct tracker_digests;

struct tracker_digests *tracker_digests_new(void);
void tracker_digests_free(struct tracker_digests *dg);
int tracker_digests_set(struct tracker_digests *dg, unsigned long addr, uint64_t d);
/* The digest of the page at @addr; 0: the images hold no data for it. */
uint64_t tracker_digests_get(const struct tracker_digests *dg, unsigned long addr);
size_t tracker_digests_count(const struct tracker_digests *dg);
/* Calls @cb for runs of up to @max consecutive pages, in address order. */
int tracker_digests_for_each_run(const struct tracker_digests *dg, unsigned long psz, size_t max,
				 int (*cb)(unsigned long start, const uint64_t *d, size_t nr,
					   void *arg),
				 void *arg);
/* 64-bit digest of one page (@len bytes, a multiple of 8); never 0. */
uint64_t tracker_digest_page(const void *page, size_t len, uint64_t seed);
/* Digests of @nr pages at @buf into @out. */
void tracker_digest_pages(const void *buf, size_t nr, size_t page_size, uint64_t seed,
			  uint64_t *out);

/* ---- the dump's view: one tracking session over a process tree (tracker-ctx.c) ---- */
struct tracker_task;

struct tracker_ctx {
	const struct tracker_ops *ops;
	const struct img_dir *parent; /* previous dump of the chain, NULL: first */
	struct tracker_task *tasks;
	size_t nr_tasks;
	char boot_id[40];
	bool defer_release; /* see tracker_ctx_release() */
	/*
	 * The last dump of the chain: no next interval begins. Nothing is
	 * re-protected or reset (uffd-wp: a plain scan; soft-dirty: no
	 * clear_refs) and a process new to the chain is not started, so the
	 * freeze is shorter, and a failed last dump leaves the interval intact
	 * for a retry.
	 */
	bool last;
	/*
	 * No tracking at all: only find the tracker fds left in the processes
	 * (an abandoned chain, a killed command), hide them from the fd dump and
	 * remove them (a dump without tracking, track-stop).
	 */
	bool fds_only;
	unsigned int nr_removed; /* tracker fds this session removed from targets */
	int *late_fds;		 /* fds stop() handed over for tracker_ctx_release() */
	pid_t *late_pids;	 /* whose they are */
	size_t nr_late;
};

void tracker_ctx_init(struct tracker_ctx *c, const struct tracker_ops *ops,
		      const struct img_dir *parent);
/*
 * Begins or continues tracking of @pid (ptrace-stopped, frozen) and fixes its
 * changed set for this dump: the previous dump's VMAs and tracker state are
 * loaded from the parent dir; a process the parent does not know, or whose
 * identity or tracker differs, is wholly changed. Then the tracker is reset,
 * so writes from now on belong to the next dump. Logs on error.
 */
int tracker_ctx_add_task(struct tracker_ctx *c, pid_t pid);
/*
 * Matches struct dump_page_filter.changed (criu-lite/dump/dump.h): for @nr pages
 * from @start that hold data (@pme: their entries, or NULL; not needed
 * here), clears changed[i] for pages
 * provably unchanged since the parent dump (which must hold their data).
 */
int tracker_filter_changed(void *arg, pid_t pid, unsigned long start, size_t nr,
			   const uint64_t *pme, uint8_t *changed);
/* The dump wrote these bytes for @nr pages from @addr (digest tracker: remember them). */
void tracker_note_written(struct tracker_ctx *c, pid_t pid, unsigned long addr, const void *data,
			  size_t nr);
/* The fd number the tracker keeps in @pid, which the dump must not dump; -1 if none. */
int tracker_hidden_fd(const struct tracker_ctx *c, pid_t pid);
/*
 * Is fd @fd of @pid a userfaultfd of ours (the tracker's own, or a copy a
 * child inherited by fork)? The dump skips such fds.
 */
bool tracker_is_hidden_fd(const struct tracker_ctx *c, pid_t pid, int fd);
/* Writes tracker-PID.img for every task into @dir. Logs on error. */
int tracker_ctx_save(struct tracker_ctx *c, const struct img_dir *dir);
/*
 * Ends the session. @final (the last dump of a chain) removes tracking from
 * the targets: they must still be ptrace-stopped then (uffd: closes the fd
 * in the target by injection).
 */
void tracker_ctx_fini(struct tracker_ctx *c, bool final);
/*
 * With c->defer_release set before tracker_ctx_fini(c, true), the uffd-wp
 * registrations are not undone while the tree is frozen (undoing walks every
 * page table of the registered memory: ~30 ms per GiB): the target's fd is
 * closed, ours stays open until this call, after the tree was resumed or
 * killed. Closing the last reference unregisters everything. Idempotent.
 */
void tracker_ctx_release(struct tracker_ctx *c);
/*
 * tracker_ctx_release() for a tree left stopped: the unregistering is left
 * to a detached child, which holds the last copies until every process is
 * gone (then there is nothing to undo) or runs again (at most 10 minutes).
 */
void tracker_ctx_release_detached(struct tracker_ctx *c);

#endif
