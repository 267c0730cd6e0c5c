/*
 * Tracker self-test: before a tracker is trusted on this kernel, it must catch
 * every kind of change below in a throwaway child process, driven through the
 * same operations (start, attach, dirty, reset, stop) and the same VMA diff
 * and "pages without data are holes" rule the dump uses. Missing one case
 * rejects the tracker, with the case named.
 *
 * Two intervals, as two separate commands would see them: the child is set
 * up, tracking starts, the child changes its memory, the dump's view is
 * checked; again once more after a reset.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "pagemap.h"
#include "proc-maps.h"
#include "ptrace.h"
#include "tracker.h"

#define V_SEIZE_MS 2000

/* Memory of the child, by scenario; sent to the validator once set up. */
struct vt {
	char *a, *b, *c, *d, *e_src, *e_dst, *x, *y, *g, *h, *t, *m, *n, *sh, *f, *w, *z;
	int thp;   /* the THP area got a huge page */
	int grown; /* mremap grew in place */
	int err;   /* setup failed: errno */
};

struct vstate {
	long psz;
	pid_t pid;
	int cmd, ack; /* pipes to and from the child */
	struct vt vt;
	int gc_cmd[2], gc_ack[2]; /* child <-> its long-lived fork */
};

/* ---- the child ---- */

static char *v_map(size_t len, int prot, int flags)
{
	char *p = mmap(NULL, len, prot, flags | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static int v_setup_file(struct vstate *s)
{
	char path[] = "/tmp/crl-track-XXXXXX";
	char buf[4096];
	int fd = mkstemp(path);

	if (fd < 0)
		return -1;
	unlink(path);
	memset(buf, 'f', sizeof(buf));
	for (long i = 0; i < 3 * s->psz; i += sizeof(buf))
		if (write(fd, buf, sizeof(buf)) != sizeof(buf))
			return -1;
	s->vt.f = mmap(NULL, 3 * s->psz, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	close(fd);
	if (s->vt.f == MAP_FAILED)
		return -1;
	s->vt.f[0] = 1;				    /* private copy of page 0 */
	(void)*(volatile char *)(s->vt.f + s->psz); /* page 1 only read */
	return 0;
}

static void v_setup_thp(struct vstate *s)
{
	size_t hs = 2UL << 20;
	char *raw = v_map(2 * hs, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	struct proc_vma_list l;

	if (!raw)
		return;
	s->vt.t = (char *)(((uintptr_t)raw + hs - 1) & ~(uintptr_t)(hs - 1));
	madvise(s->vt.t, hs, MADV_HUGEPAGE);
	memset(s->vt.t, 3, hs);
	/* the case counts only when the kernel really gave us a huge page */
	if (proc_read_maps(getpid(), true, &l))
		return;
	for (size_t i = 0; i < l.n; i++)
		if (l.v[i].start <= (unsigned long)s->vt.t && l.v[i].end > (unsigned long)s->vt.t)
			s->vt.thp = l.v[i].anon_huge_kb > 0;
	proc_vma_list_free(&l);
}

static void v_gc_loop(struct vstate *s)
{
	char c;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	while (read(s->gc_cmd[0], &c, 1) == 1) {
		s->vt.h[s->psz] = 'g'; /* COW write in the child's copy */
		s->vt.sh[0] = 'g';     /* shared memory, through another mm */
		if (write(s->gc_ack[1], &c, 1) != 1)
			break;
	}
	_exit(0);
}

static int v_setup(struct vstate *s)
{
	long p = s->psz;
	int rw = PROT_READ | PROT_WRITE;
	struct vt *v = &s->vt;
	char *xy;

	v->a = v_map(4 * p, rw, MAP_PRIVATE | MAP_POPULATE);
	v->b = v_map(4 * p, rw, MAP_PRIVATE);
	v->c = v_map(4 * p, rw, MAP_PRIVATE | MAP_POPULATE);
	v->d = v_map(3 * p, rw, MAP_PRIVATE | MAP_POPULATE);
	v->e_src = v_map(p, rw, MAP_PRIVATE | MAP_POPULATE);
	v->e_dst = v_map(p, PROT_NONE, MAP_PRIVATE);
	xy = v_map(3 * p, rw, MAP_PRIVATE | MAP_POPULATE);
	v->g = v_map(3 * p, rw, MAP_PRIVATE | MAP_POPULATE);
	v->h = v_map(4 * p, rw, MAP_PRIVATE | MAP_POPULATE);
	v->m = v_map(2 * p, rw, MAP_PRIVATE | MAP_POPULATE);
	v->n = v_map(3 * p, rw, MAP_PRIVATE | MAP_POPULATE);
	v->sh = v_map(2 * p, rw, MAP_SHARED | MAP_POPULATE);
	v->w = v_map(3 * p, rw, MAP_PRIVATE | MAP_POPULATE);
	v->z = v_map(p, rw, MAP_PRIVATE | MAP_POPULATE);
	if (!v->a || !v->b || !v->c || !v->d || !v->e_src || !v->e_dst || !xy || !v->g || !v->h ||
	    !v->m || !v->n || !v->sh || !v->w || !v->z || v_setup_file(s))
		return -1;
	memset(v->a, 1, 4 * p);
	memset(v->c, 1, 4 * p);
	memset(v->d, 1, 3 * p);
	memset(v->e_src, 'e', p);
	memset(v->h, 'h', 4 * p);
	memset(v->m, 1, 2 * p);
	memset(v->n, 'n', 3 * p);
	memset(v->sh, 1, 2 * p);
	memset(v->w, 1, 3 * p);
	memset(v->z, 1, p);
	/* x and y: two areas of the same kind, apart */
	if (mprotect(xy + p, p, PROT_NONE))
		return -1;
	v->x = xy;
	v->y = xy + 2 * p;
	memset(v->x, 'x', p);
	memset(v->y, 'y', p);
	memset(v->g, 'g', 3 * p);
	v_setup_thp(s);
	/* a fork alive across the whole test: COW-shared pages in h */
	if (pipe(s->gc_cmd) || pipe(s->gc_ack))
		return -1;
	switch (fork()) {
	case -1:
		return -1;
	case 0:
		v_gc_loop(s);
	}
	/* g: one page with room to grow in place; last, so nothing lands in the room */
	return munmap(v->g + p, 2 * p);
}

static int v_mutate1(struct vstate *s)
{
	long p = s->psz;
	struct vt *v = &s->vt;
	char c = 'c', *q;
	pid_t pid;

	v->a[p] = 2;	 /* write after start */
	v->b[2 * p] = 2; /* first write, never touched */
	v->c[0] = 2;	 /* write, then only reads */
	(void)*(volatile char *)v->c;
	(void)*(volatile char *)(v->c + p);
	munmap(v->d + p, 2 * p); /* unmap + map at the same place */
	q = mmap(v->d + p, 2 * p, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
		 -1, 0);
	if (q != v->d + p)
		return -1;
	v->d[p] = 2;				/* written */
	(void)*(volatile char *)(v->d + 2 * p); /* only read: zero page */
	if (mremap(v->e_src, p, p, MREMAP_MAYMOVE | MREMAP_FIXED, v->e_dst) != v->e_dst)
		return -1;
	munmap(v->y, p); /* x moved onto y's old place */
	if (mremap(v->x, p, p, MREMAP_MAYMOVE | MREMAP_FIXED, v->y) != v->y)
		return -1;
	v->grown = mremap(v->g, p, 3 * p, 0) == v->g; /* grow in place */
	if (v->grown)
		v->g[2 * p] = 2;
	v->h[0] = 2; /* COW write in the parent */
	if (write(s->gc_cmd[1], &c, 1) != 1 || read(s->gc_ack[0], &c, 1) != 1)
		return -1;
	pid = fork(); /* a fork inside the interval */
	if (pid == 0) {
		v->h[2 * p] = 'k';
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, NULL, 0) != pid)
		return -1;
	v->h[3 * p] = 2;
	if (v->t)
		v->t[3 * p] = 2; /* inside a huge page */
	if (mprotect(v->m, 2 * p, PROT_READ) || mprotect(v->m, 2 * p, PROT_READ | PROT_WRITE))
		return -1;
	v->m[0] = 2; /* after RO -> RW */
	if (madvise(v->n, 3 * p, MADV_DONTNEED))
		return -1;
	v->n[0] = 2;			    /* re-touched by a write */
	(void)*(volatile char *)(v->n + p); /* re-touched by a read */
	v->sh[p] = 2;			    /* shared anonymous */
	v->f[0] = 2;			    /* private file, already copied */
	v->f[p] = 2;			    /* private file, first write */
	return 0;
}

static int v_mutate2(struct vstate *s)
{
	long p = s->psz;
	struct vt *v = &s->vt;

	v->a[p] = 3; /* write after reset */
	v->c[2 * p] = 3;
	if (mprotect(v->m, 2 * p, PROT_READ) || mprotect(v->m, 2 * p, PROT_READ | PROT_WRITE))
		return -1;
	v->m[p] = 3;
	return 0;
}

/* The child: set up, report, then run each mutation step on request. */
static void v_child(struct vstate *s)
{
	char step;
	int ret;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	s->vt.err = v_setup(s) ? (errno ? errno : EINVAL) : 0;
	if (write(s->ack, &s->vt, sizeof(s->vt)) != sizeof(s->vt))
		_exit(1);
	while (read(s->cmd, &step, 1) == 1) {
		ret = step == 1 ? v_mutate1(s) : step == 2 ? v_mutate2(s) : -1;
		step = ret ? -1 : step;
		if (write(s->ack, &step, 1) != 1 ||
		    write(s->ack, &s->vt, sizeof(s->vt)) != sizeof(s->vt))
			_exit(1);
	}
	_exit(0);
}

/* ---- the validator ---- */

struct vcase {
	const char *name;
	char *addr;
	bool hole_ok; /* a page without data now is fine (the dump writes a hole) */
};

/* The child's scenario memory: the self-test looks only there. */
#define V_MAX_ROI 20

struct vrun {
	struct tracker_range roi[V_MAX_ROI];
	int nr_roi;
	const struct tracker_ops *ops;
	struct tracker_target t;
	struct tracker_ranges dirty;
	char missed[1024];
	char not_run[160]; /* cases this machine cannot set up */
	int nr_missed, nr_cases;
	bool imprecise;
};

static int v_step(struct vstate *s, char step)
{
	char r = 0;

	if (write(s->cmd, &step, 1) != 1 || read(s->ack, &r, 1) != 1 ||
	    read(s->ack, &s->vt, sizeof(s->vt)) != sizeof(s->vt))
		return -EIO;
	return r == step ? 0 : -EIO;
}

/* Writes into the child from outside: process_vm_writev and /proc/PID/mem. */
static int v_remote_write(struct vstate *s, char *addr, int how)
{
	char buf[8] = "remote!", path[64];
	struct iovec l = {buf, sizeof(buf)}, r = {addr, sizeof(buf)};
	int fd, ret = 0;

	if (how == 0)
		return process_vm_writev(s->pid, &l, 1, &r, 1, 0) == sizeof(buf) ? 0 : -errno;
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)s->pid);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (pwrite(fd, buf, sizeof(buf), (off_t)(uintptr_t)addr) != sizeof(buf))
		ret = -errno;
	close(fd);
	return ret;
}

/* Digest: what the dump does with the pages it writes (those holding data). */
static int v_note(struct vrun *r, unsigned long start, unsigned long end)
{
	struct tracker_target *t = &r->t;
	char path[64], *buf;
	uint64_t e;
	int fd, ret = 0;

	if (!(t->ops->caps & TRACKER_CAP_NEEDS_DATA))
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)t->pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	buf = malloc(t->page_size);
	if (fd < 0 || !buf)
		ret = -ENOMEM;
	for (unsigned long a = start; a < end && !ret; a += t->page_size) {
		/* pagemap ends before [vsyscall]: no data there for us */
		if (pagemap_read(t->pagemap_fd, a, 1, &e) || !(e & (PME_PRESENT | PME_SWAP)))
			continue;
		if (pread(fd, buf, t->page_size, (off_t)a) == (ssize_t)t->page_size)
			t->ops->note(t, a, buf, 1);
	}
	if (fd >= 0)
		close(fd);
	free(buf);
	return ret;
}

/*
 * The dump's view of one interval: VMA diff against @prev_vmas (none on the
 * first), then the tracker's dirty pages in every VMA not wholly changed.
 * For digest, the pages the dump would write are noted, as the dump does.
 */
static int v_collect(struct vrun *r, const struct tracker_vmas *prev_vmas)
{
	struct tracker_target *t = &r->t;
	int ret;

	tracker_ranges_fini(&r->dirty);
	ret = tracker_vma_diff(prev_vmas, &t->vmas, &r->dirty);
	if (ret)
		return ret;
	ret = r->ops->attach(t);
	if (ret)
		return ret;
	for (size_t i = 0; i < t->vmas.n && !ret; i++) {
		const struct tracker_vma *v = &t->vmas.v[i];

		for (int k = 0; k < r->nr_roi && !ret; k++) {
			unsigned long s = r->roi[k].start > v->start ? r->roi[k].start : v->start;
			unsigned long e = r->roi[k].end < v->end ? r->roi[k].end : v->end;

			if (s >= e)
				continue;
			if (tracker_vma_always_changed(r->ops, v))
				ret = tracker_ranges_add(&r->dirty, s, e);
			else
				ret = r->ops->dirty(t, s, e, &r->dirty);
		}
	}
	tracker_ranges_normalize(&r->dirty);
	for (size_t i = 0; i < r->dirty.n && !ret; i++)
		ret = v_note(r, r->dirty.v[i].start, r->dirty.v[i].end);
	return ret ? ret : r->ops->reset(t);
}

static void v_check(struct vrun *r, const struct vcase *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned long a = (unsigned long)cases[i].addr & ~(r->t.page_size - 1);
		uint64_t e = 0;

		if (!cases[i].addr) {
			size_t len = strlen(r->not_run);

			snprintf(r->not_run + len, sizeof(r->not_run) - len, "%s%s",
				 len ? ", " : "", cases[i].name);
			continue;
		}
		r->nr_cases++;
		if (tracker_ranges_hit(&r->dirty, a, a + r->t.page_size))
			continue;
		if (cases[i].hole_ok && !pagemap_read(r->t.pagemap_fd, a, 1, &e) &&
		    !(e & (PME_PRESENT | PME_SWAP)))
			continue;
		r->nr_missed++;
		if (strlen(r->missed) + strlen(cases[i].name) + 3 < sizeof(r->missed)) {
			if (r->missed[0])
				strcat(r->missed, ", ");
			strcat(r->missed, cases[i].name);
		}
	}
}

/* A page nobody wrote must not be reported (usefulness, not correctness). */
static void v_precise(struct vrun *r, char *addr)
{
	unsigned long a = (unsigned long)addr;

	if (tracker_ranges_hit(&r->dirty, a, a + r->t.page_size))
		r->imprecise = true;
}

/*
 * Ends an interval the way separate commands would: the current VMAs become
 * the previous ones (@prev receives them; the caller frees), and the tracker
 * carries its state over as if saved and loaded.
 */
static void v_next_interval(struct vrun *r, struct tracker_vmas *prev)
{
	*prev = r->t.vmas;
	r->t.vmas.v = NULL;
	r->t.vmas.n = 0;
	if (r->ops->next_interval)
		r->ops->next_interval(&r->t);
}

/* Begins (start) or continues (next command) tracking with the child stopped. */
static int v_freeze(struct vstate *s, struct vrun *r, bool first, struct tracker_vmas *prev)
{
	int ret = ptrace_seize_stop(s->pid, 0, V_SEIZE_MS, NULL);

	if (ret)
		return ret;
	if (!first) {
		r->ops->stop(&r->t, false, NULL); /* the previous command ends */
		v_next_interval(r, prev);
	}
	ret = tracker_vmas_read(s->pid, &r->t.vmas);
	if (!ret)
		ret = first ? r->ops->start(&r->t) : v_collect(r, prev);
	/* the first dump writes every page */
	for (int k = 0; first && !ret && k < r->nr_roi; k++)
		ret = v_note(r, r->roi[k].start, r->roi[k].end);
	ptrace_detach(s->pid, 0);
	return ret;
}

/* What the first interval changed, and must be seen. */
static void v_check1(struct vstate *s, struct vrun *r)
{
	long p = s->psz;
	struct vt *v = &s->vt;
	const struct vcase one[] = {
		{"write after start", v->a + p, false},
		{"first write to a never-touched page", v->b + 2 * p, false},
		{"write followed by reads", v->c, false},
		{"munmap + mmap at the same address, written", v->d + p, false},
		{"munmap + mmap at the same address, read", v->d + 2 * p, true},
		{"mremap move", v->e_dst, false},
		{"mremap move onto an area of the same kind", v->y, false},
		{"mremap grow in place", v->grown ? v->g + 2 * p : NULL, false},
		{"COW write in the parent after fork", v->h, false},
		{"COW write in the parent while a fork lives", v->h + 3 * p, false},
		{"write inside a transparent huge page", v->thp ? v->t + 3 * p : NULL, false},
		{"mprotect read-only then read-write, then write", v->m, false},
		{"MADV_DONTNEED then write", v->n, false},
		{"MADV_DONTNEED then read", v->n + p, true},
		{"MADV_DONTNEED, untouched", v->n + 2 * p, true},
		{"shared anonymous memory", v->sh + p, false},
		{"shared anonymous memory written by another process", v->sh, false},
		{"private file mapping, copied page", v->f, false},
		{"private file mapping, first write", v->f + p, false},
		{"process_vm_writev from another process", v->w + p, false},
		{"write through /proc/PID/mem", v->w + 2 * p, false},
	};

	v_check(r, one, sizeof(one) / sizeof(one[0]));
	v_precise(r, v->z);
}

/* The second interval: after a reset, by a later command. */
static void v_check2(struct vstate *s, struct vrun *r)
{
	long p = s->psz;
	struct vt *v = &s->vt;
	const struct vcase two[] = {
		{"write after reset", v->a + p, false},
		{"write to a page clean in the last interval", v->c + 2 * p, false},
		{"mprotect RO then RW again, then write", v->m + p, false},
		{"process_vm_writev after reset", v->w, false},
	};

	v_check(r, two, sizeof(two) / sizeof(two[0]));
	v_precise(r, v->z);
	v_precise(r, v->b + 2 * p); /* written in the first interval only */
	v_precise(r, v->h);
}

static int v_intervals(struct vstate *s, struct vrun *r)
{
	long p = s->psz;
	struct vt *v = &s->vt;
	struct tracker_vmas prev = {0};
	int ret;

	ret = v_freeze(s, r, true, &prev);
	if (!ret)
		ret = v_step(s, 1);
	if (!ret)
		ret = v_remote_write(s, v->w + p, 0);
	if (!ret)
		ret = v_remote_write(s, v->w + 2 * p, 1);
	if (!ret)
		ret = v_freeze(s, r, false, &prev);
	if (ret)
		goto out;
	v_check1(s, r);

	ret = v_step(s, 2);
	if (!ret)
		ret = v_remote_write(s, v->w, 0);
	tracker_vmas_fini(&prev);
	if (!ret)
		ret = v_freeze(s, r, false, &prev);
	if (!ret)
		v_check2(s, r);
out:
	tracker_vmas_fini(&prev);
	return ret;
}

/* Ends tracking in the child (as a final dump would) and reaps it. */
static void v_finish(struct vstate *s, struct vrun *r)
{
	bool tracking = r->t.ops != NULL; /* tracker_target_init() succeeded */

	if (tracking && ptrace_seize_stop(s->pid, 0, V_SEIZE_MS, NULL) == 0) {
		r->ops->stop(&r->t, true, NULL);
		ptrace_detach(s->pid, 0);
	} else if (tracking) {
		r->ops->stop(&r->t, false, NULL);
	}
	kill(s->pid, SIGKILL);
	waitpid(s->pid, NULL, 0);
	close(s->cmd);
	close(s->ack);
}

static int v_spawn(struct vstate *s)
{
	int cmd[2], ack[2];

	memset(s, 0, sizeof(*s));
	s->psz = sysconf(_SC_PAGESIZE);
	if (pipe2(cmd, O_CLOEXEC) || pipe2(ack, O_CLOEXEC))
		return -errno;
	fflush(NULL);
	s->pid = fork();
	if (s->pid < 0)
		return -errno;
	if (s->pid == 0) {
		close(cmd[1]);
		close(ack[0]);
		s->cmd = cmd[0];
		s->ack = ack[1];
		v_child(s);
	}
	close(cmd[0]);
	close(ack[1]);
	s->cmd = cmd[1];
	s->ack = ack[0];
	if (read(s->ack, &s->vt, sizeof(s->vt)) != sizeof(s->vt))
		return -EIO;
	return s->vt.err ? -s->vt.err : 0;
}

/*
 * Where the scenarios live. The tracker is started on the whole child like
 * on a dump target, but asked only about these ranges, so the test costs the
 * same whatever else the child maps (a sanitizer's terabytes of shadow).
 */
static void v_roi(const struct vstate *s, struct vrun *r)
{
	const long p = s->psz;
	const struct vt *v = &s->vt;
	const struct {
		char *a;
		long len;
	} roi[] = {
		{v->a, 4 * p}, {v->b, 4 * p},  {v->c, 4 * p}, {v->d, 3 * p},	{v->e_dst, p},
		{v->x, 3 * p}, {v->g, 3 * p},  {v->h, 4 * p}, {v->t, 2L << 20}, {v->m, 2 * p},
		{v->n, 3 * p}, {v->sh, 2 * p}, {v->f, 3 * p}, {v->w, 3 * p},	{v->z, p},
	};

	r->nr_roi = 0;
	for (size_t i = 0; i < sizeof(roi) / sizeof(roi[0]) && r->nr_roi < V_MAX_ROI; i++) {
		if (!roi[i].a)
			continue;
		r->roi[r->nr_roi].start = (unsigned long)roi[i].a;
		r->roi[r->nr_roi].end = (unsigned long)roi[i].a + roi[i].len;
		r->nr_roi++;
	}
}

static void v_verdict(struct vrun *r, struct tracker_verdict *v)
{
	if (!r->nr_missed) {
		v->validated = true;
		snprintf(v->why, sizeof(v->why), "caught all %d cases%s%s%s%s", r->nr_cases,
			 r->imprecise ? "; reports unwritten pages too" : "",
			 r->not_run[0] ? " (not run here: " : "", r->not_run,
			 r->not_run[0] ? ")" : "");
		return;
	}
	if (r->ops->blind_hint && r->nr_missed >= 3)
		snprintf(v->why, sizeof(v->why), "%.80s: missed %d of %d cases: %.380s",
			 r->ops->blind_hint, r->nr_missed, r->nr_cases, r->missed);
	else
		snprintf(v->why, sizeof(v->why), "missed %d of %d cases: %.380s", r->nr_missed,
			 r->nr_cases, r->missed);
}

/* The self-test without the probe (tests run it on trackers the probe rejects). */
int tracker_validate_cases(const struct tracker_ops *ops, struct tracker_verdict *v)
{
	struct vstate s;
	struct vrun r;
	int ret;

	memset(&r, 0, sizeof(r));
	r.ops = ops;
	v->validated = false;
	v->why[0] = '\0';
	ret = v_spawn(&s);
	if (s.pid <= 0) {
		snprintf(v->why, sizeof(v->why), "cannot start the test process: %s",
			 strerror(-ret));
		return ret;
	}
	if (!ret) {
		v_roi(&s, &r);
		ret = tracker_target_init(&r.t, ops, s.pid);
	}
	if (!ret) {
		ret = pagemap_open(s.pid);
		r.t.pagemap_fd = ret;
		if (ret >= 0)
			ret = v_intervals(&s, &r);
	}
	v_finish(&s, &r);
	tracker_target_fini(&r.t);
	tracker_ranges_fini(&r.dirty);
	if (ret) {
		snprintf(v->why, sizeof(v->why), "self-test could not run: %s%s", strerror(-ret),
			 r.missed[0] ? "" : "");
		return ret == -EOPNOTSUPP ? -EIO : ret;
	}
	v_verdict(&r, v);
	return v->validated ? 0 : -EOPNOTSUPP;
}

int tracker_validate(const struct tracker_ops *ops, struct tracker_verdict *v)
{
	int ret;

	memset(v, 0, sizeof(*v));
	ret = ops->probe(v->why, sizeof(v->why));
	if (ret) {
		struct tracker_verdict t;
		char probe_why[sizeof(v->why)];

		/* a probe is a heuristic: say what the self-test itself sees, when it can run */
		if ((ops->caps & TRACKER_CAP_PROBE_GUESS) &&
		    tracker_validate_cases(ops, &t) == -EOPNOTSUPP) {
			memcpy(probe_why, v->why, sizeof(probe_why));
			snprintf(v->why, sizeof(v->why), "%.150s; self-test: %.300s", probe_why,
				 t.why);
		}
		return -EOPNOTSUPP;
	}
	v->available = true;
	return tracker_validate_cases(ops, v);
}
