/*
 * restore --lazy-pages: the guard, and the kill the guard and the server use.
 *
 * Why a guard: when the last reference to a userfaultfd closes, the kernel
 * unregisters its ranges and wakes the faulting threads, which then get zero
 * pages (handle_userfault on a released context) - silently wrong memory.
 * A restored process holds its own copy too (restore-lazy-keep.c), but a
 * child it forks since does not. The guard, the server's parent,
 * holds a second copy of every uffd and a pidfd of every process. When the
 * server's socket ends without LZ_DONE (it died: SIGKILL, a crash), the
 * guard SIGKILLs the tree and every descendant of it, waits until all are
 * dead, and only then exits, closing its copies: a thread waiting for a page
 * meanwhile waits, and dies. The server does the same when the guard dies.
 * Both killed at once: each process holds its own uffd, so it waits rather
 * than reads zeros, and the alarm pipe kills it (restore-lazy-keep.c).
 */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "array.h"
#include "log.h"
#include "proc-stat.h"
#include "restore-lazy.h"

struct lz_pids {
	pid_t *pid;
	int *pidfd;
	size_t n;
};

static bool lz_has(const struct lz_pids *p, pid_t pid)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->pid[i] == pid)
			return true;
	return false;
}

static int lz_add(struct lz_pids *p, pid_t pid, int pidfd)
{
	size_t n = p->n;

	if (ARRAY_GROW(p->pid, n))
		return -ENOMEM;
	if (ARRAY_GROW(p->pidfd, n))
		return -ENOMEM;
	p->pid[n] = pid;
	p->pidfd[n] = pidfd;
	p->n++;
	return 0;
}

/* Every live process whose parent is in @p joins it, killed at once; true if any did. */
static bool lz_kill_children(struct lz_pids *p)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	bool more = false;

	while (d && (e = readdir(d))) {
		pid_t pid = (pid_t)atoi(e->d_name);
		struct proc_stat st;
		int pfd;

		if (pid <= 0 || lz_has(p, pid) || proc_read_stat(pid, 0, &st) ||
		    !lz_has(p, st.ppid))
			continue;
		pfd = (int)syscall(SYS_pidfd_open, pid, 0);
		if (pfd < 0)
			continue;
		syscall(SYS_pidfd_send_signal, pfd, SIGKILL, NULL, 0);
		if (lz_add(p, pid, pfd))
			break;
		more = true;
	}
	if (d)
		closedir(d);
	return more;
}

void lz_kill_tree(const int *pidfds, const pid_t *pids, size_t n)
{
	struct lz_pids p = {0};

	for (size_t i = 0; i < n; i++) {
		syscall(SYS_pidfd_send_signal, pidfds[i], SIGKILL, NULL, 0);
		lz_add(&p, pids[i], pidfds[i]);
	}
	/* children forked since the restore (their uffds are ours too) */
	while (lz_kill_children(&p))
		;
	/* A pidfd polls readable once its whole thread group has exited. */
	for (size_t i = 0; i < p.n; i++) {
		struct pollfd pf = {.fd = p.pidfd[i], .events = POLLIN};

		while (poll(&pf, 1, -1) < 0 && errno == EINTR)
			;
	}
	if (p.n)
		pr_err("lazy restore: %zu process(es) of the restored tree killed", p.n);
}

struct lz_held {
	int *fd;
	size_t nfd;
	struct lz_pids p;
};

static void lz_hold(struct lz_held *h, const struct lz_msg *m, const int fds[2])
{
	for (int k = 0; k < 2; k++) {
		if (fds[k] < 0)
			continue;
		if (ARRAY_GROW(h->fd, h->nfd))
			return; /* out of memory: it stays in flight, held by the socket */
		h->fd[h->nfd++] = fds[k];
	}
	/* LZ_HOLD of a process: uffd and pidfd; of a child forked since: its uffd alone */
	if (m->pid > 0 && fds[1] >= 0)
		lz_add(&h->p, m->pid, fds[1]);
}

void lz_guard(int sk, pid_t server)
{
	struct lz_held h = {0};

	for (;;) {
		struct lz_msg m;
		int fds[2], ret = lz_recv(sk, &m, NULL, 0, NULL, fds);

		if (ret == 1 && m.type == LZ_HOLD) {
			lz_hold(&h, &m, fds);
		} else if (ret == 1 && m.type == LZ_SYNC) {
			m = (struct lz_msg){.type = LZ_READY};
			lz_send(sk, &m, -1, -1, NULL, 0);
		} else if (ret == 1 && m.type == LZ_DONE) {
			_exit(0); /* every page is in: our copies may close */
		} else if (ret != -EINTR) {
			break; /* the server is gone without saying it is done */
		}
	}
	pr_err("lazy restore: the lazy-pages server (pid %d) died before every page was in: "
	       "killing the restored tree rather than let it read zeros",
	       server);
	lz_kill_tree(h.p.pidfd, h.p.pid, h.p.n);
	_exit(1);
}
