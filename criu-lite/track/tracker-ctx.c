/*
 * The dump's side of tracking: one session over the processes of one dump.
 * For each process it loads what the previous dump of the chain left
 * (tracker-PID.img: identity, VMAs, then what the tracker keeps of its
 * own, through its load op), decides which
 * pages changed, starts the next interval, and at the end writes the new
 * state. Anything it cannot prove unchanged is changed.
 */
#include <errno.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "array.h"
#include "img.h"
#include "log.h"
#include "pagemap.h"
#include "proc-misc.h"
#include "proc-stat.h"
#include "tracker.h"
#include "uffd.h"

#define CTX_MAX_OURS 16

struct tracker_task {
	pid_t pid;
	struct tracker_target t;
	struct tracker_ranges changed; /* normalized */
	bool whole;		       /* nothing usable from the parent: all changed */
	bool untracked;		       /* the tracker could not start here: no state saved */
	uint64_t start_time;
	struct ctx_fd { /* tracker fds found in this process (tracker-fd.c) */
		int fd;
		unsigned long long ino;
		bool gone; /* removed by this command */
	} ours[CTX_MAX_OURS];
	size_t nr_ours;
};

void tracker_ctx_init(struct tracker_ctx *c, const struct tracker_ops *ops,
		      const struct img_dir *parent)
{
	memset(c, 0, sizeof(*c));
	c->ops = ops;
	c->parent = parent;
	if (proc_read_boot_id(c->boot_id, sizeof(c->boot_id)))
		c->boot_id[0] = '\0';
}

static struct tracker_task *ctx_task(const struct tracker_ctx *c, pid_t pid)
{
	for (size_t i = 0; i < c->nr_tasks; i++)
		if (c->tasks[i].pid == pid)
			return &c->tasks[i];
	return NULL;
}

/* ---- the parent's state ---- */

static int ctx_check_head(const struct tracker_ctx *c, const struct tracker_task *tk,
			  const TrackerEntry *e)
{
	if (strcmp(e->name, c->ops->name))
		return -ESTALE; /* another tracker made the parent */
	if (e->start_time != tk->start_time)
		return -ESTALE; /* pid reused by another process */
	if (e->page_size != tk->t.page_size)
		return -ESTALE;
	if (!e->boot_id || strcmp(e->boot_id, c->boot_id))
		return -ESTALE; /* rebooted: nothing survives */
	return 0;
}

static int ctx_load_vmas(const TrackerEntry *e, struct tracker_vmas *out)
{
	out->n = 0;
	out->v = calloc(e->n_vmas ? e->n_vmas : 1, sizeof(out->v[0]));
	if (!out->v)
		return -ENOMEM;
	for (size_t i = 0; i < e->n_vmas; i++) {
		const TrackerVmaEntry *s = e->vmas[i];
		struct tracker_vma *v = &out->v[out->n++];

		v->start = s->start;
		v->end = s->end;
		v->pgoff = s->pgoff;
		v->ino = s->ino;
		v->dev = s->dev;
		v->prot = s->prot;
		v->flags = s->flags;
	}
	return 0;
}

/* Loads tracker-PID.img; -ENOENT: the parent does not know this process. */
static int ctx_load(struct tracker_ctx *c, struct tracker_task *tk, struct tracker_vmas *prev)
{
	ProtobufCMessage *m = NULL;
	TrackerEntry *e;
	struct img *img;
	int ret;

	ret = img_open(c->parent, IMG_TRACKER, tk->pid, false, &img);
	if (ret)
		return ret;
	ret = img_read_msg(img, &tracker_entry__descriptor, &m);
	if (ret == 0)
		ret = -EIO;
	if (ret < 0)
		goto out;
	e = (TrackerEntry *)m;
	ret = ctx_check_head(c, tk, e);
	if (ret)
		goto out;
	ret = ctx_load_vmas(e, prev);
	if (!ret && c->ops->load)
		ret = c->ops->load(&tk->t, e, img);
out:
	if (m)
		img_free_msg(m);
	img_close(img);
	return ret;
}

/* ---- fds of ours in the target ---- */

/* Keeps our copy @fd of a uffd of @pid for tracker_ctx_release(); closes it if there is no room. */
static void ctx_keep_late(struct tracker_ctx *c, pid_t pid, int fd)
{
	if (ARRAY_GROW(c->late_fds, c->nr_late) || ARRAY_GROW(c->late_pids, c->nr_late)) {
		close(fd);
		return;
	}
	c->late_pids[c->nr_late] = pid;
	c->late_fds[c->nr_late++] = fd;
}

/* Is @ino the tracker fd of a process this session tracks (its own, or inherited by a fork)? */
static bool ctx_live_ino(const struct tracker_ctx *c, unsigned long long ino)
{
	for (size_t i = 0; i < c->nr_tasks; i++) {
		unsigned long long live = 0;

		if (tracker_target_fd(&c->tasks[i].t, &live) >= 0 && live == ino)
			return true;
	}
	return false;
}

/*
 * Removes a leftover tracker fd from @tk's process. Its last close
 * unregisters (a page-table walk): a last dump keeps a copy to close after
 * the thaw; a dump that starts tracking needs it gone before it registers.
 */
static void ctx_drop(struct tracker_ctx *c, struct tracker_task *tk, struct ctx_fd *f)
{
	int copy = c->last ? uffd_steal_fd(tk->pid, f->fd) : -1;
	int ret = tracker_fd_close(tk->pid, &f->fd, 1);

	if (ret) {
		pr_warn("tracker: cannot remove the leftover tracker fd %d of %d: %s", f->fd,
			tk->pid, strerror(-ret));
		if (copy >= 0)
			close(copy);
		return;
	}
	pr_info("tracker: removed the leftover tracker fd %d of %d", f->fd, tk->pid);
	f->gone = true;
	c->nr_removed++;
	if (copy >= 0)
		ctx_keep_late(c, tk->pid, copy);
}

/*
 * Finds the marked uffds in @tk's process. Those this session tracks stay
 * (hidden from the fd dump); any other is left over from an abandoned chain
 * or a killed command and is removed now.
 */
static int ctx_sweep(struct tracker_ctx *c, struct tracker_task *tk)
{
	struct tracker_fd fds[CTX_MAX_OURS];
	int n = tracker_fd_list(tk->pid, fds, CTX_MAX_OURS);

	for (int i = 0; i < n && tk->nr_ours < CTX_MAX_OURS; i++) {
		struct ctx_fd *f = &tk->ours[tk->nr_ours++];

		f->fd = fds[i].fd;
		f->ino = fds[i].ino;
		f->gone = false;
		if (!ctx_live_ino(c, f->ino))
			ctx_drop(c, tk, f);
	}
	return n < 0 ? n : 0;
}

/* The tracker just put its fd into @tk's process: hide it too. */
static void ctx_own_fd(struct tracker_task *tk)
{
	unsigned long long ino = 0;
	int fd = tracker_target_fd(&tk->t, &ino);

	if (fd < 0 || tk->nr_ours == CTX_MAX_OURS)
		return;
	tk->ours[tk->nr_ours].fd = fd;
	tk->ours[tk->nr_ours].ino = ino;
	tk->ours[tk->nr_ours++].gone = false;
}

int tracker_hidden_fd(const struct tracker_ctx *c, pid_t pid)
{
	const struct tracker_task *tk = ctx_task(c, pid);
	int fd = tk ? tracker_target_fd(&tk->t, NULL) : -1;

	if (fd >= 0)
		return fd;
	for (size_t i = 0; tk && i < tk->nr_ours; i++)
		if (!tk->ours[i].gone)
			return tk->ours[i].fd;
	return -1;
}

bool tracker_is_hidden_fd(const struct tracker_ctx *c, pid_t pid, int fd)
{
	const struct tracker_task *tk = ctx_task(c, pid);

	for (size_t i = 0; tk && i < tk->nr_ours; i++)
		if (tk->ours[i].fd == fd)
			return true;
	return false;
}

/* ---- one process ---- */

/* Everything that is not provably unchanged, with the previous dump's VMAs. */
static int ctx_changed(struct tracker_ctx *c, struct tracker_task *tk,
		       const struct tracker_vmas *prev)
{
	struct tracker_target *t = &tk->t;
	int ret;

	ret = tracker_vma_diff(prev, &t->vmas, &tk->changed);
	tracker_ranges_normalize(&tk->changed);
	for (size_t i = 0; i < t->vmas.n && !ret; i++) {
		const struct tracker_vma *v = &t->vmas.v[i];

		if (tracker_vma_always_changed(c->ops, v))
			ret = tracker_ranges_add(&tk->changed, v->start, v->end);
		else
			ret = c->ops->dirty(t, v->start, v->end, &tk->changed);
	}
	tracker_ranges_normalize(&tk->changed);
	return ret;
}

/* Continues what the parent dump left: 0, -ENOENT/-ESTALE (no usable history), -errno. */
static int ctx_continue(struct tracker_ctx *c, struct tracker_task *tk, struct tracker_vmas *prev)
{
	int ret = -ENOENT;

	if (c->parent) {
		ret = ctx_load(c, tk, prev);
		if (ret && ret != -ENOENT && ret != -ESTALE)
			return ret;
	}
	if (!ret) {
		ret = c->ops->attach(&tk->t);
		if (ret)
			pr_warn("tracker %s: tracking of %d was lost (%s): dumping it whole",
				c->ops->name, tk->pid, strerror(-ret));
		return ret ? -ESTALE : 0;
	}
	if (c->parent)
		pr_info("tracker %s: %d not tracked by the parent dump: dumping it whole",
			c->ops->name, tk->pid);
	return ret;
}

/* Everything changed; tracking begins now, unless the chain ends here. */
static int ctx_start(struct tracker_ctx *c, struct tracker_task *tk)
{
	int ret;

	tk->whole = true;
	/* nothing the parent left is used: the tracker's state begins afresh */
	ret = tracker_target_renew(&tk->t);
	if (ret)
		return ret;
	/* leftovers first: a uffd still registered makes the new one's registration fail */
	ret = ctx_sweep(c, tk);
	if (ret || c->last) {
		tk->untracked = true;
		return ret;
	}
	ret = c->ops->start(&tk->t);
	if (!ret)
		ctx_own_fd(tk);
	if (ret == -ENOSYS || ret == -EPERM || ret == -EINVAL || ret == -EOPNOTSUPP ||
	    ret == -EMFILE || ret == -EBUSY) {
		/* e.g. a seccomp filter in the target only: correct, just never incremental */
		pr_warn("tracker %s: cannot track %d (%s): it is dumped whole each time",
			c->ops->name, tk->pid, strerror(-ret));
		tk->untracked = true;
		ret = 0;
	}
	return ret;
}

static int ctx_track(struct tracker_ctx *c, struct tracker_task *tk)
{
	struct tracker_vmas prev = {0};
	struct proc_stat st;
	int ret;

	ret = proc_read_stat(tk->pid, 0, &st);
	if (!ret) {
		tk->start_time = st.starttime;
		ret = pagemap_open(tk->pid);
		tk->t.pagemap_fd = ret;
	}
	if (ret >= 0)
		ret = tracker_vmas_read(tk->pid, &tk->t.vmas);
	if (!ret)
		ret = ctx_continue(c, tk, &prev);
	if (!ret)
		ret = ctx_sweep(c, tk);
	if (!ret)
		ret = ctx_changed(c, tk, &prev);
	else if (ret == -ENOENT || ret == -ESTALE)
		ret = ctx_start(c, tk);
	if (!ret && !tk->whole && !c->last)
		ret = c->ops->reset(&tk->t);
	tracker_vmas_fini(&prev);
	return ret;
}

int tracker_ctx_add_task(struct tracker_ctx *c, pid_t pid)
{
	struct tracker_task *tk;
	int ret;

	if (ARRAY_GROW(c->tasks, c->nr_tasks))
		return -ENOMEM;
	tk = &c->tasks[c->nr_tasks];
	memset(tk, 0, sizeof(*tk));
	tk->pid = pid;
	ret = tracker_target_init(&tk->t, c->ops, pid);
	if (ret) {
		pr_err("tracker %s: process %d: %s", c->ops->name, pid, strerror(-ret));
		return ret;
	}
	tk->t.last = c->last;
	c->nr_tasks++;

	ret = c->fds_only ? ctx_sweep(c, tk) : ctx_track(c, tk);
	if (ret) {
		pr_err("tracker %s: process %d: %s", c->ops->name, pid, strerror(-ret));
		return ret;
	}
	pr_debug("tracker %s: %d: %s, %zu changed ranges", c->ops->name, pid,
		 tk->whole ? "whole" : "incremental", tk->changed.n);
	return 0;
}

static const struct tracker_vma *ctx_vma_at(const struct tracker_vmas *vs, unsigned long a)
{
	size_t lo = 0, hi = vs->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (vs->v[mid].end <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < vs->n && vs->v[lo].start <= a ? &vs->v[lo] : NULL;
}

/*
 * Clears @changed for the @n pages from @a not touched by the normalized
 * ranges @r: one pass over the pages and the ranges among them (a dump asks
 * this for every page holding data, a GiB at a time, while frozen).
 */
static void filter_run(const struct tracker_ranges *r, unsigned long a, size_t n, unsigned long psz,
		       uint8_t *changed)
{
	unsigned long lim = a + n * psz;
	size_t lo = 0, hi = r->n, k = 0;

	while (lo < hi) { /* the first range ending above @a */
		size_t mid = (lo + hi) / 2;

		if (r->v[mid].end <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t j = lo; k < n && j < r->n && r->v[j].start < lim; j++) {
		size_t first = r->v[j].start > a ? (r->v[j].start - a) / psz : 0;
		size_t past = (r->v[j].end - a + psz - 1) / psz;

		if (first > k) {
			memset(changed + k, 0, first - k);
			k = first;
		}
		if (past > k)
			k = past < n ? past : n;
	}
	if (k < n)
		memset(changed + k, 0, n - k);
}

int tracker_filter_changed(void *arg, pid_t pid, unsigned long start, size_t nr,
			   const uint64_t *pme, uint8_t *changed)
{
	struct tracker_task *tk = ctx_task(arg, pid);
	unsigned long psz;
	size_t i = 0;

	(void)pme;
	if (!tk || tk->whole)
		return 0;
	psz = tk->t.page_size;
	while (i < nr) {
		unsigned long a = start + i * psz;
		const struct tracker_vma *v = ctx_vma_at(&tk->t.vmas, a);
		size_t n;

		/* only pages of an area this dump looked at can be unchanged */
		if (!v) {
			i++;
			continue;
		}
		n = (v->end - a) / psz;
		if (n > nr - i)
			n = nr - i;
		if (!tracker_vma_always_changed(tk->t.ops, v))
			filter_run(&tk->changed, a, n, psz, changed + i);
		i += n;
	}
	return 0;
}

void tracker_note_written(struct tracker_ctx *c, pid_t pid, unsigned long addr, const void *data,
			  size_t nr)
{
	struct tracker_task *tk = ctx_task(c, pid);

	if (tk && (c->ops->caps & TRACKER_CAP_NEEDS_DATA))
		c->ops->note(&tk->t, addr, data, nr);
}

/* ---- the state for the next dump ---- */

static int ctx_save_task(struct tracker_ctx *c, const struct tracker_task *tk,
			 const struct img_dir *dir)
{
	const struct tracker_target *t = &tk->t;
	TrackerEntry e = TRACKER_ENTRY__INIT;
	TrackerVmaEntry *vs = NULL, **vp = NULL;
	struct img *img;
	int ret, err;

	e.name = (char *)c->ops->name;
	e.start_time = tk->start_time;
	e.page_size = t->page_size;
	e.boot_id = (char *)c->boot_id;
	if (c->ops->save_head)
		c->ops->save_head(t, &e);
	vs = calloc(t->vmas.n + 1, sizeof(*vs));
	vp = calloc(t->vmas.n + 1, sizeof(*vp));
	if (!vs || !vp) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < t->vmas.n; i++) {
		const struct tracker_vma *v = &t->vmas.v[i];

		tracker_vma_entry__init(&vs[i]);
		vs[i].start = v->start;
		vs[i].end = v->end;
		vs[i].pgoff = v->pgoff;
		vs[i].ino = v->ino;
		vs[i].dev = v->dev;
		vs[i].prot = v->prot;
		vs[i].flags = v->flags;
		vp[i] = &vs[i];
	}
	e.n_vmas = t->vmas.n;
	e.vmas = vp;
	ret = img_open(dir, IMG_TRACKER, tk->pid, true, &img);
	if (ret)
		goto out;
	ret = img_write_msg(img, &e.base);
	if (!ret && c->ops->save_tail)
		ret = c->ops->save_tail(t, img);
	err = img_close(img);
	ret = ret ? ret : err;
out:
	free(vs);
	free(vp);
	return ret;
}

int tracker_ctx_save(struct tracker_ctx *c, const struct img_dir *dir)
{
	for (size_t i = 0; i < c->nr_tasks; i++) {
		int ret = c->tasks[i].untracked ? 0 : ctx_save_task(c, &c->tasks[i], dir);

		if (ret) {
			pr_err("tracker %s: cannot save the state of %d in '%s': %s", c->ops->name,
			       c->tasks[i].pid, dir->path, strerror(-ret));
			return ret;
		}
	}
	return 0;
}

/* Closes the tracker fd copies a process inherited from a tracked parent (end of tracking). */
static void ctx_close_inherited(struct tracker_ctx *c, struct tracker_task *tk)
{
	int fds[CTX_MAX_OURS], own = tracker_target_fd(&tk->t, NULL), ret;
	size_t n = 0;

	for (size_t i = 0; i < tk->nr_ours; i++)
		if (!tk->ours[i].gone && tk->ours[i].fd != own)
			fds[n++] = tk->ours[i].fd;
	if (!n)
		return;
	ret = tracker_fd_close(tk->pid, fds, n);
	if (ret)
		pr_warn("tracker: cannot remove inherited tracker fds of %d: %s", tk->pid,
			strerror(-ret));
	else
		c->nr_removed += n;
}

void tracker_ctx_fini(struct tracker_ctx *c, bool final)
{
	for (size_t i = 0; i < c->nr_tasks; i++) {
		struct tracker_task *tk = &c->tasks[i];
		int late = -1;

		if (final)
			ctx_close_inherited(c, tk);
		if (final && tracker_target_fd(&tk->t, NULL) >= 0)
			c->nr_removed++;
		c->ops->stop(&tk->t, final, final && c->defer_release ? &late : NULL);
		if (late >= 0)
			ctx_keep_late(c, tk->pid, late);
		tracker_target_fini(&tk->t);
		tracker_ranges_fini(&tk->changed);
	}
	free(c->tasks);
	c->tasks = NULL;
	c->nr_tasks = 0;
}

static int ctx_int_cmp(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* Is a process of @c's late list still in a stop (state T or t)? */
static bool ctx_any_stopped(const struct tracker_ctx *c)
{
	for (size_t i = 0; i < c->nr_late; i++) {
		char path[64], buf[256], *p;
		ssize_t n;
		int fd;

		snprintf(path, sizeof(path), "/proc/%d/stat", c->late_pids[i]);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = 0;
		p = strrchr(buf, ')');
		if (p && (p[2] == 'T' || p[2] == 't'))
			return true;
	}
	return false;
}

/* The detached closer: waits until the tool closed its copies, then closes the last ones. */
static void ctx_late_closer(struct tracker_ctx *c, int go)
{
	unsigned int from = 0, next;
	bool go_kept = false;
	size_t i = 0;
	char b;

	/* Nothing else of ours (sockets, pipes) may outlive us in it: keep @go and the fds. */
	for (;;) {
		if (i < c->nr_late && (go_kept || c->late_fds[i] < go))
			next = (unsigned int)c->late_fds[i++];
		else if (!go_kept)
			next = (unsigned int)go, go_kept = true;
		else
			break;
		if (next > from)
			close_range(from, next - 1, 0);
		from = next + 1;
	}
	close_range(from, ~0u, 0);
	while (read(go, &b, 1) < 0 && errno == EINTR)
		;
	/*
	 * Unregistering walks the page tables of a live process (~30 ms per
	 * GiB); for a process that is gone it is nothing. A migrated tree is
	 * killed: wait for that, or for the tree to run again (the migration
	 * failed), checking every 10 ms.
	 */
	for (int tick = 0; tick < 60000 && ctx_any_stopped(c); tick++)
		usleep(10000);
	for (i = 0; i < c->nr_late; i++)
		close(c->late_fds[i]);
	_exit(0);
}

/*
 * The same, but the last closes (and their page-table walk) run in a child
 * of ours that nobody waits for: a dump that leaves the tree stopped for a
 * migration returns ~30 ms per GiB sooner. Falls back to closing here.
 */
void tracker_ctx_release_detached(struct tracker_ctx *c)
{
	int go[2];
	pid_t pid;

	if (c->nr_late == 0 || pipe2(go, O_CLOEXEC))
		goto out;
	qsort(c->late_fds, c->nr_late, sizeof(int), ctx_int_cmp);
	pid = fork();
	if (pid == 0) {
		if (fork() == 0)
			ctx_late_closer(c, go[0]);
		_exit(0);
	}
	close(go[0]);
	if (pid > 0)
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
	/* Ours first (cheap: the closer holds them), then the closer may go on. */
	tracker_ctx_release(c);
	close(go[1]);
	return;
out:
	tracker_ctx_release(c);
}

void tracker_ctx_release(struct tracker_ctx *c)
{
	for (size_t i = 0; i < c->nr_late; i++)
		close(c->late_fds[i]);
	free(c->late_fds);
	free(c->late_pids);
	c->late_fds = NULL;
	c->late_pids = NULL;
	c->nr_late = 0;
}
