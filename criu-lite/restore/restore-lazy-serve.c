/*
 * restore --lazy-pages: the server. One process, one loop over poll(2):
 *   - the tool's socket: each process's uffd and lazy ranges (their pending
 *     pages are the images' runs inside them), then GO;
 *   - every uffd: page faults (served first: the faulting page, then its
 *     aligned 64 KiB window, from the images with UFFDIO_COPY; a page the
 *     images do not hold was never written: UFFDIO_ZEROPAGE) and the
 *     process's own changes (fork: the child gets a uffd and the parent's
 *     pending pages; mremap moves them; munmap and madvise drop them);
 *   - when no fault waits, after GO: the next 256 KiB of pending pages (1 MiB
 *     from a page server), in address order, process after process.
 * A copy refused with EAGAIN (the process is changing its address space:
 * its event waits to be read) is retried after reading the events.
 *
 * Once every page is in, the server closes the fds each process kept
 * (restore-lazy-keep.c), tells the guard and exits: the uffds close, and what
 * is still missing is exactly what was never written (zero).
 * Should the guard die first, or the tool before handing over, the server
 * kills the tree: without a second holder of the uffds its own death would
 * let the kernel map zero pages where contents are missing.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "array.h"
#include "log.h"
#include "restore-lazy.h"
#include "uffd.h"

#define LZ_WIN (64ul << 10)
#define LZ_CHUNK (256ul << 10)
#define LZ_CHUNK_REMOTE (1ul << 20) /* from a page server: fewer round trips */
#define LZ_NMSG 64

struct lz_mm {
	int uffd;
	pid_t pid; /* 0: a child forked since (the fork event does not say its pid) */
	int pidfd; /* -1 for those */
	struct lz_pend p;
	unsigned long *retry; /* faults to serve again (EAGAIN) */
	size_t nr_retry;
	bool dead;	     /* its address space is gone (exit, exec) */
	struct lz_keep keep; /* what the process holds itself (restore-lazy-keep.c) */
};

struct lz_srv {
	struct rst_ctx *c;
	int tool_sk, guard_sk;
	struct lz_mm *mm;
	size_t n, rr;
	bool go;
	char *buf;		 /* .chunk bytes */
	unsigned long chunk;	 /* background copies: LZ_CHUNK, or LZ_CHUNK_REMOTE */
	struct lz_range *ranges; /* LZ_RANGES_MAX: one LZ_RANGES message */
	unsigned long ps;
	struct lz_mm *filling; /* the last LZ_TASK, getting its ranges */
	/*
	 * From a page server: the next background chunk, asked for before the
	 * last one is copied in, so that the server's read and send overlap our
	 * copy (restore-lazy-remote.c). @asked: its answer is still to take;
	 * @have: taken into @buf, not used yet.
	 */
	struct {
		bool asked, have;
		int fd;
		uint64_t off;
		size_t len;
		char *buf;
	} ahead;
	bool pushing; /* in lz_push: ask for the next chunk ahead */
	unsigned long faults, zero, bytes;
	struct timespec t0;
};

/* SIGKILLs every process sent by the tool and their descendants; returns once all are dead. */
static void lz_die_kill(struct lz_srv *s)
{
	int *pidfds = calloc(s->n + 1, sizeof(int));
	pid_t *pids = calloc(s->n + 1, sizeof(pid_t));
	size_t k = 0;

	for (size_t i = 0; pidfds && pids && i < s->n; i++)
		if (s->mm[i].pidfd >= 0) {
			pidfds[k] = s->mm[i].pidfd;
			pids[k++] = s->mm[i].pid;
		}
	lz_kill_tree(pidfds, pids, k);
}

static void lz_die(struct lz_srv *s, const char *why) __attribute__((noreturn));
static void lz_die(struct lz_srv *s, const char *why)
{
	pr_err("lazy restore: %s: killing the restored tree, whose missing pages can no longer "
	       "be served",
	       why);
	lz_die_kill(s);
	_exit(1);
}

/*
 * The restore failed (the tool reported why) or died before the tree ran:
 * what it created dies, then the guard is told it may let go.
 */
static void lz_abandon(struct lz_srv *s) __attribute__((noreturn));
static void lz_abandon(struct lz_srv *s)
{
	struct lz_msg m = {.type = LZ_DONE};

	if (s->n)
		lz_die_kill(s);
	lz_send(s->guard_sk, &m, -1, -1, NULL, 0);
	_exit(1);
}

static struct lz_mm *lz_add_mm(struct lz_srv *s, int uffd, pid_t pid)
{
	struct lz_mm *m;

	if (ARRAY_GROW(s->mm, s->n))
		lz_die(s, "out of memory");
	m = &s->mm[s->n++];
	*m = (struct lz_mm){.uffd = uffd, .pid = pid, .pidfd = -1};
	lz_keep_init(&m->keep);
	if (pid > 0)
		m->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	return m;
}

/* The answer to the read asked ahead, taken (nothing else can be read before it). */
static int lz_take_ahead(struct lz_srv *s)
{
	int ret;

	if (!s->ahead.asked)
		return 0;
	s->ahead.asked = false;
	ret = rst_remote_take(s->c, s->ahead.off, s->ahead.buf, s->ahead.len);
	s->ahead.have = !ret;
	return ret;
}

/* From a page server: the chunk after [@y, ...) of @m's run @i, asked for now. */
static void lz_ask_ahead(struct lz_srv *s, const struct lz_mm *m, size_t i, unsigned long y)
{
	const struct rst_seg *g = i < m->p.n ? &m->p.s[i] : NULL;
	uint32_t h;

	if (!s->pushing || s->ahead.asked || s->ahead.have || !g)
		return;
	if (y >= g->vaddr + g->len) {
		if (i + 1 >= m->p.n)
			return;
		g = &m->p.s[i + 1];
		y = g->vaddr;
	}
	if (!rst_remote_handle(s->c, g->pages_fd, &h))
		return;
	s->ahead.fd = g->pages_fd;
	s->ahead.off = g->off + (y - g->vaddr);
	s->ahead.len = g->vaddr + g->len - y < s->chunk ? g->vaddr + g->len - y : s->chunk;
	s->ahead.asked = !rst_remote_ask(s->c, s->ahead.fd, s->ahead.off, s->ahead.len);
}

static int lz_read_at(struct lz_srv *s, int fd, char *buf, size_t len, uint64_t off)
{
	uint32_t h;

	if (rst_remote_handle(s->c, fd, &h)) { /* on the page server */
		int ret = lz_take_ahead(s);

		if (ret)
			return ret;
		if (s->ahead.have && s->ahead.fd == fd && s->ahead.off == off &&
		    s->ahead.len == len) {
			s->ahead.have = false;
			memcpy(buf, s->ahead.buf, len);
			return 0;
		}
		/* a fault's read keeps it for the next push; a push that wants another drops it */
		if (s->pushing)
			s->ahead.have = false;
		return rst_remote_read(s->c, fd, off, buf, len);
	}
	for (size_t got = 0; got < len;) {
		ssize_t r = pread(fd, buf + got, len - got, (off_t)(off + got));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -errno : -EIO;
		got += (size_t)r;
	}
	return 0;
}

static void lz_gone(struct lz_mm *m)
{
	m->dead = true;
	lz_pend_free(&m->p);
	m->nr_retry = 0;
}

/* Copies the pending pages of [a, b) into @m. 0, -EAGAIN (retry after the events). */
static int lz_fill(struct lz_srv *s, struct lz_mm *m, unsigned long a, unsigned long b)
{
	for (;;) {
		size_t i = rst_segs_lower(&m->p, a);
		const struct rst_seg *g = i < m->p.n ? &m->p.s[i] : NULL;
		unsigned long x, y, done = 0;
		int ret;

		if (!g || g->vaddr >= b)
			return 0;
		x = g->vaddr > a ? g->vaddr : a;
		y = g->vaddr + g->len < b ? g->vaddr + g->len : b;
		if (y - x > s->chunk)
			y = x + s->chunk;
		ret = lz_read_at(s, g->pages_fd, s->buf, y - x, g->off + (x - g->vaddr));
		if (ret) {
			pr_err("lazy restore: pid %d: reading the pages of 0x%lx: %s", m->pid, x,
			       strerror(-ret));
			lz_die(s, "an images file cannot be read");
		}
		/* the next chunk is on its way while this one is checked and copied */
		lz_ask_ahead(s, m, i, y);
		/* the page checksums, as every other reader checks them (it logs) */
		if (rst_csums_check(&s->c->csums, g, x - g->vaddr, s->buf, y - x, m->pid))
			lz_die(s, "a page does not match its checksum");
		ret = uffd_copy(m->uffd, x, s->buf, y - x, &done);
		s->bytes += done;
		if (done && lz_pend_drop(&m->p, x, x + done))
			lz_die(s, "out of memory");
		if (!ret || (ret == -EAGAIN && done))
			continue;
		if (ret == -EAGAIN)
			return ret;
		if (ret == -ESRCH) {
			lz_gone(m);
			return 0;
		}
		/* EEXIST: present already (the process wrote it after a zero fill, or its
		 * parent's before a fork); ENOENT: no longer a registered VMA. */
		if (ret != -EEXIST && ret != -ENOENT) {
			pr_err("lazy restore: pid %d: UFFDIO_COPY at 0x%lx: %s", m->pid, x + done,
			       strerror(-ret));
			lz_die(s, "a page cannot be put in place");
		}
		uffd_wake(m->uffd, x + done, s->ps);
		if (lz_pend_drop(&m->p, x + done, x + done + s->ps))
			lz_die(s, "out of memory");
	}
}

static int lz_fault(struct lz_srv *s, struct lz_mm *m, unsigned long addr)
{
	unsigned long pg = addr & ~(s->ps - 1), w = pg & ~(LZ_WIN - 1);
	size_t i = rst_segs_lower(&m->p, pg);
	int ret;

	if (m->dead)
		return 0;
	if (i < m->p.n && m->p.s[i].vaddr <= pg) {
		ret = lz_fill(s, m, pg, pg + s->ps);
		if (!ret)
			lz_fill(s, m, w, w + LZ_WIN); /* neighbours: EAGAIN leaves them pending */
		return ret;
	}
	ret = uffd_zeropage(m->uffd, pg, s->ps);
	if (ret == -EAGAIN)
		return ret;
	if (ret == -ESRCH)
		lz_gone(m);
	else if (ret)
		uffd_wake(m->uffd, pg, s->ps); /* present meanwhile, or unregistered */
	else
		s->zero++;
	return 0;
}

static void lz_fault_later(struct lz_srv *s, struct lz_mm *m, unsigned long addr)
{
	if (ARRAY_GROW(m->retry, m->nr_retry))
		lz_die(s, "out of memory");
	m->retry[m->nr_retry++] = addr;
}

/* A fork of @m's process: the child's uffd, with what @m still misses. */
static void lz_forked(struct lz_srv *s, size_t mi, int ufd)
{
	struct lz_msg hold = {.type = LZ_HOLD};
	struct lz_mm *child = lz_add_mm(s, ufd, 0);

	/* lz_add_mm may move the array */
	if (lz_pend_copy(&child->p, &s->mm[mi].p))
		lz_die(s, "out of memory");
	if (lz_send(s->guard_sk, &hold, ufd, -1, NULL, 0))
		lz_die(s, "the guard is gone");
	pr_debug("lazy restore: pid %d forked: %zu runs pending in the child", s->mm[mi].pid,
		 child->p.n);
}

static void lz_event(struct lz_srv *s, size_t mi, const struct uffd_msg *e)
{
	struct lz_mm *m = &s->mm[mi];
	int ret = 0;

	switch (e->event) {
	case UFFD_EVENT_PAGEFAULT:
		s->faults++;
		if (lz_fault(s, m, (unsigned long)e->arg.pagefault.address) == -EAGAIN)
			lz_fault_later(s, m, (unsigned long)e->arg.pagefault.address);
		break;
	case UFFD_EVENT_FORK:
		lz_forked(s, mi, (int)e->arg.fork.ufd);
		break;
	case UFFD_EVENT_REMAP:
		ret = lz_pend_move(&m->p, (unsigned long)e->arg.remap.from,
				   (unsigned long)e->arg.remap.to, (unsigned long)e->arg.remap.len);
		break;
	case UFFD_EVENT_REMOVE:
	case UFFD_EVENT_UNMAP:
		ret = lz_pend_drop(&m->p, (unsigned long)e->arg.remove.start,
				   (unsigned long)e->arg.remove.end);
		break;
	default:
		break;
	}
	if (ret)
		lz_die(s, "out of memory");
}

static void lz_read_events(struct lz_srv *s, size_t mi)
{
	struct uffd_msg msg[LZ_NMSG];

	for (;;) {
		ssize_t n = read(s->mm[mi].uffd, msg, sizeof(msg));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		for (size_t k = 0; k < (size_t)n / sizeof(msg[0]); k++)
			lz_event(s, mi, &msg[k]);
	}
}

static void lz_retry(struct lz_srv *s, struct lz_mm *m)
{
	size_t n = m->nr_retry, k = 0;

	for (size_t i = 0; i < n; i++)
		if (lz_fault(s, m, m->retry[i]) == -EAGAIN)
			m->retry[k++] = m->retry[i];
	m->nr_retry = m->dead ? 0 : k;
}

static void lz_ranges(struct lz_srv *s, const struct lz_msg *hd, const struct lz_range *r)
{
	struct rst_task *t = rst_task_by_pid(s->c, hd->pid);
	struct lz_mm *m = s->filling;

	if (!t || !m || m->pid != hd->pid)
		lz_die(s, "the tool sent ranges of an unknown process");
	for (uint32_t k = 0; k < hd->nr; k++) {
		unsigned long a = (unsigned long)r[k].start, b = (unsigned long)r[k].end;

		for (size_t i = rst_segs_lower((struct lz_pend *)&t->pages, a);
		     i < t->pages.n && t->pages.s[i].vaddr < b; i++) {
			const struct rst_seg *g = &t->pages.s[i];
			unsigned long x = g->vaddr > a ? g->vaddr : a;
			unsigned long y = g->vaddr + g->len < b ? g->vaddr + g->len : b;

			if (rst_segs_add(&m->p, x, y - x, g->pages_fd, g->off + (x - g->vaddr),
					 g->depth))
				lz_die(s, "out of memory");
		}
	}
}

/* The numbers of the fds the last LZ_TASK's process keeps, and the alarm's read end. */
static void lz_kept(struct lz_srv *s, const struct lz_msg *hd, int alarm_r, const void *data,
		    size_t len)
{
	struct lz_mm *m = s->filling;
	struct lz_keep_nos nos;

	if (!m || m->pid != hd->pid || alarm_r < 0 || len != sizeof(nos))
		lz_die(s, "the tool sent a malformed keep message");
	memcpy(&nos, data, sizeof(nos));
	m->keep.alarm_r = alarm_r;
	m->keep.uffd_no = nos.uffd_no;
	m->keep.alarm_no = nos.alarm_no;
}

/* Every process sent: the guard must hold every uffd before the tool lets go of its own. */
static void lz_go(struct lz_srv *s)
{
	struct lz_msg m = {.type = LZ_SYNC};
	int fds[2];

	if (lz_send(s->guard_sk, &m, -1, -1, NULL, 0) ||
	    lz_recv(s->guard_sk, &m, NULL, 0, NULL, fds) != 1 || m.type != LZ_READY)
		lz_die(s, "the guard is gone");
	m = (struct lz_msg){.type = LZ_READY};
	if (lz_send(s->tool_sk, &m, -1, -1, NULL, 0))
		lz_die(s, "the tool is gone before the tree runs");
	s->go = true;
	clock_gettime(CLOCK_MONOTONIC, &s->t0);
}

static void lz_tool_msg(struct lz_srv *s)
{
	struct lz_range *r = s->ranges;
	struct lz_msg hd, hold = {.type = LZ_HOLD};
	size_t len = 0;
	int fds[2], ret = lz_recv(s->tool_sk, &hd, r, LZ_RANGES_MAX * sizeof(*r), &len, fds);

	if (ret <= 0) {
		close(s->tool_sk);
		s->tool_sk = -1;
		if (!s->go)
			lz_abandon(s);
		return;
	}
	switch (hd.type) {
	case LZ_TASK:
		if (fds[0] < 0 || fds[1] < 0)
			lz_die(s, "the tool sent a process without its uffd or alarm");
		s->filling = lz_add_mm(s, fds[0], hd.pid);
		s->filling->keep.alarm_w = fds[1];
		hold.pid = hd.pid;
		if (lz_send(s->guard_sk, &hold, fds[0], s->filling->pidfd, NULL, 0))
			lz_die(s, "the guard is gone");
		/* the alarm's write end: the guard holds it too, so that either may die */
		hold.pid = 0;
		if (lz_send(s->guard_sk, &hold, fds[1], -1, NULL, 0))
			lz_die(s, "the guard is gone");
		break;
	case LZ_KEEP:
		lz_kept(s, &hd, fds[0], r, len);
		break;
	case LZ_RANGES:
		if (hd.nr > LZ_RANGES_MAX || len != hd.nr * sizeof(*r))
			lz_die(s, "the tool sent a malformed range list");
		lz_ranges(s, &hd, r);
		break;
	case LZ_GO:
		lz_go(s);
		break;
	default:
		lz_die(s, "unknown message from the tool");
	}
}

static bool lz_all_in(const struct lz_srv *s)
{
	for (size_t i = 0; i < s->n; i++)
		if (!s->mm[i].dead && (s->mm[i].p.n || s->mm[i].nr_retry))
			return false;
	return s->go;
}

/* One background chunk: the lowest pending pages of the next process that has some. */
static void lz_push(struct lz_srv *s)
{
	for (size_t k = 0; k < s->n; k++) {
		struct lz_mm *m = &s->mm[(s->rr + k) % s->n];

		if (m->dead || !m->p.n)
			continue;
		s->pushing = s->c->remote != NULL;
		lz_fill(s, m, m->p.s[0].vaddr, m->p.s[0].vaddr + s->chunk);
		s->pushing = false;
		s->rr = (s->rr + k) % s->n;
		return;
	}
}

static void lz_finish(struct lz_srv *s) __attribute__((noreturn));
static void lz_finish(struct lz_srv *s)
{
	struct lz_msg m = {.type = LZ_DONE};
	struct timespec t1;

	/* before the guard and we let go of the alarms' write ends */
	for (size_t i = 0; i < s->n; i++)
		lz_keep_release(s->mm[i].dead ? 0 : s->mm[i].pid, s->mm[i].uffd, &s->mm[i].keep);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	pr_info("lazy restore: every page is in: %zu address space(s), %lu fault(s), %lu zero "
		"page(s), %lu KiB copied, %.3f s after the tree started",
		s->n, s->faults, s->zero, s->bytes >> 10,
		(double)(t1.tv_sec - s->t0.tv_sec) + (double)(t1.tv_nsec - s->t0.tv_nsec) / 1e9);
	/* the guard first: it must not take our exit for a death */
	lz_send(s->guard_sk, &m, -1, -1, NULL, 0);
	lz_take_ahead(s);      /* an answer left unread would cut the page server's BYE short */
	rst_remote_free(s->c); /* BYE to the page server, which then exits */
	_exit(0);
}

void lz_serve(struct rst_ctx *c, int tool_sk, int guard_sk, pid_t guard)
{
	struct lz_srv s = {.c = c, .tool_sk = tool_sk, .guard_sk = guard_sk};
	struct pollfd *pf = NULL;

	/* the guard's death shows as the end of guard_sk */
	pr_info("lazy restore: server pid %d, guard pid %d", getpid(), guard);
	s.ps = c->page_size;
	s.chunk = c->remote ? LZ_CHUNK_REMOTE : LZ_CHUNK;
	s.buf = malloc(s.chunk);
	s.ahead.buf = c->remote ? malloc(s.chunk) : NULL;
	s.ranges = calloc(LZ_RANGES_MAX, sizeof(*s.ranges));
	if (!s.buf || !s.ranges || (c->remote && !s.ahead.buf))
		lz_die(&s, "out of memory");
	for (;;) {
		size_t np = 0, busy = 0;

		if (lz_all_in(&s))
			lz_finish(&s);
		free(pf);
		pf = calloc(s.n + 2, sizeof(*pf));
		if (!pf)
			lz_die(&s, "out of memory");
		pf[np++] = (struct pollfd){.fd = s.guard_sk, .events = POLLIN};
		pf[np++] = (struct pollfd){.fd = s.tool_sk, .events = POLLIN};
		for (size_t i = 0; i < s.n; i++) {
			pf[np++] = (struct pollfd){.fd = s.mm[i].dead ? -1 : s.mm[i].uffd,
						   .events = POLLIN};
			busy += !s.mm[i].dead && (s.mm[i].p.n || s.mm[i].nr_retry);
		}
		if (poll(pf, np, s.go && busy ? 0 : (busy ? 50 : -1)) < 0 && errno != EINTR)
			lz_die(&s, "poll failed");
		if (pf[0].revents)
			lz_die(&s, "its guard died");
		if (pf[1].revents)
			lz_tool_msg(&s);
		for (size_t i = 0; i < np - 2 && i < s.n; i++)
			if (pf[2 + i].revents & POLLIN)
				lz_read_events(&s, i);
		for (size_t i = 0; i < s.n; i++)
			if (s.mm[i].nr_retry)
				lz_retry(&s, &s.mm[i]);
		if (s.go)
			lz_push(&s);
	}
}
