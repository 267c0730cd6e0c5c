/*
 * restore --lazy-pages, the tool's side (restore-lazy.h says the whole).
 *
 * rst_lazy_start forks, before any process of the tree exists, a detached
 * guard which forks the server: they get the tool's copy of the images read
 * (the pages of every process), none of the tree's files. While the tool
 * rebuilds a process, right after its eager pages are written and before
 * anything else touches its memory (injected rseq registration, clones,
 * mlock...), rst_lazy_register has the process create a userfaultfd and an
 * alarm pipe, which it keeps (restore-lazy-keep.c), takes copies, registers
 * its lazy VMAs in missing mode and sends them to the server, which serves
 * from then on. Once every process is rebuilt, rst_lazy_go waits until the
 * guard holds every uffd; the tool then lets the tree run and closes its own
 * copies.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "array.h"
#include "inject.h"
#include "log.h"
#include "restore-lazy.h"
#include "uffd.h"

struct rst_lazy {
	int sk;	    /* to the server */
	int *uffds; /* the tool's copies, until the guard holds them */
	size_t nr;
	struct lz_keep *keeps; /* the alarms' ends: the tool's copies, likewise */
	size_t nr_keeps;
};

/*
 * The helpers own nothing of the caller's: stdio to /dev/null (stderr kept
 * when it is a file: the log without -o), every inherited fd without
 * FD_CLOEXEC closed (a pipe a caller waits on must see its end). Our own fds
 * are all close-on-exec.
 */
static void lz_detach(void)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	struct dirent *e;
	struct stat st;
	DIR *d;

	setsid();
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	if (fd >= 0) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		if (!fstat(STDERR_FILENO, &st) && !S_ISREG(st.st_mode))
			dup2(fd, STDERR_FILENO);
		close(fd);
	}
	d = opendir("/proc/self/fd");
	while (d && (e = readdir(d))) {
		int i = atoi(e->d_name), fl = fcntl(i, F_GETFD);

		if (i > 2 && i != dirfd(d) && fl >= 0 && !(fl & FD_CLOEXEC))
			close(i);
	}
	if (d)
		closedir(d);
}

/* In the first child: the guard, which forks the server, then this child exits. */
static void lz_spawn(struct rst_ctx *c, int tool_sk) __attribute__((noreturn));
static void lz_spawn(struct rst_ctx *c, int tool_sk)
{
	int gsk[2];
	pid_t guard, server;

	lz_detach();
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, gsk))
		_exit(1);
	guard = fork();
	if (guard != 0)
		_exit(guard < 0);
	guard = getpid();
	server = fork();
	if (server < 0)
		_exit(1);
	if (server == 0) {
		close(gsk[0]);
		lz_serve(c, tool_sk, gsk[1], guard);
	}
	close(gsk[1]);
	close(tool_sk);
	lz_guard(gsk[0], server);
}

int rst_lazy_start(struct rst_ctx *c)
{
	struct rst_lazy *lz = calloc(1, sizeof(*lz));
	int sk[2], st;
	pid_t pid;

	if (!lz)
		return -ENOMEM;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sk)) {
		pr_err("lazy restore: socketpair: %s", strerror(errno));
		free(lz);
		return -errno;
	}
	pid = fork();
	if (pid == 0) {
		close(sk[0]);
		lz_spawn(c, sk[1]);
	}
	close(sk[1]);
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st)) {
		pr_err("lazy restore: cannot start the lazy-pages server%s%s", pid < 0 ? ": " : "",
		       pid < 0 ? strerror(errno) : "");
		close(sk[0]);
		free(lz);
		return -ECHILD;
	}
	lz->sk = sk[0];
	c->lazy = lz;
	pr_info("lazy restore: lazy-pages server started");
	return 0;
}

bool rst_lazy_vma(const struct rst_ctx *c, const struct rst_task *t, size_t i)
{
	const VmaEntry *v = t->mm->vmas[i];

	/*
	 * Eager: shared copy-on-write between a parent and a child, and the small
	 * mappings the new process made and filled itself (restore-premap.c).
	 */
	return c->lazy && rst_lazy_kind(v) && !rst_cow_find(c, t->pid, v->start, v->end) &&
	       !rst_stage_find(c->stage, t->pid, v->start, v->end) && !rst_premapped(c, t, i);
}

int rst_lazy_eager(const struct rst_ctx *c, const struct rst_task *t, const struct rst_segs *pages,
		   struct rst_segs *eager)
{
	struct rst_segs out = {0};
	size_t v = 0;

	if (!c->lazy) {
		*eager = *pages;
		return 0;
	}
	for (size_t i = 0; i < pages->n; i++) {
		const struct rst_seg *s = &pages->s[i];
		unsigned long a = s->vaddr, e = s->vaddr + s->len;

		/* a run may span VMAs: cut it at each, keep the parts in eager ones */
		while (a < e) {
			const VmaEntry *m;
			unsigned long b;

			while (v < t->mm->n_vmas && t->mm->vmas[v]->end <= a)
				v++;
			m = v < t->mm->n_vmas ? t->mm->vmas[v] : NULL;
			b = m && m->start <= a ? (m->end < e ? m->end : e) : e;
			if (!(m && m->start <= a && rst_lazy_vma(c, t, v)) &&
			    rst_segs_add(&out, a, b - a, s->pages_fd, s->off + (a - s->vaddr),
					 s->depth)) {
				rst_segs_free(&out);
				return -ENOMEM;
			}
			a = b;
		}
	}
	*eager = out;
	return 0;
}

static int lz_send_ranges(struct rst_lazy *lz, struct rst_task *t, int uffd,
			  const struct lz_keep *kp, const struct lz_range *r, size_t n)
{
	struct lz_msg m = {.type = LZ_TASK, .pid = t->pid, .nr = (uint32_t)n};
	struct lz_keep_nos nos = {kp->uffd_no, kp->alarm_no};
	int ret = lz_send(lz->sk, &m, uffd, kp->alarm_w, NULL, 0);

	m = (struct lz_msg){.type = LZ_KEEP, .pid = t->pid};
	if (!ret)
		ret = lz_send(lz->sk, &m, kp->alarm_r, -1, &nos, sizeof(nos));

	for (size_t i = 0; !ret && i < n; i += LZ_RANGES_MAX) {
		size_t k = n - i < LZ_RANGES_MAX ? n - i : LZ_RANGES_MAX;

		m = (struct lz_msg){.type = LZ_RANGES, .pid = t->pid, .nr = (uint32_t)k};
		ret = lz_send(lz->sk, &m, -1, -1, r + i, k * sizeof(*r));
	}
	if (ret)
		pr_err("pid %d: telling the lazy-pages server: %s (did it die?)", t->pid,
		       strerror(-ret));
	return ret;
}

int rst_lazy_register(struct rst_ctx *c, struct rst_task *t, struct inject *in)
{
	struct rst_lazy *lz = c->lazy;
	struct lz_keep *k;
	struct lz_range *r;
	size_t n = 0;
	int uffd, ret = 0;

	if (!lz)
		return 0;
	r = calloc(t->mm->n_vmas + 1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	for (size_t i = 0; i < t->mm->n_vmas; i++)
		if (rst_lazy_vma(c, t, i))
			r[n++] = (struct lz_range){t->mm->vmas[i]->start, t->mm->vmas[i]->end};
	if (!n) {
		free(r);
		return 0;
	}
	if (ARRAY_GROW(lz->uffds, lz->nr) || ARRAY_GROW(lz->keeps, lz->nr_keeps)) {
		free(r);
		return -ENOMEM;
	}
	k = &lz->keeps[lz->nr_keeps++];
	ret = lz_keep_make(t, in, &uffd, k);
	if (uffd >= 0)
		lz->uffds[lz->nr++] = uffd;
	if (ret) {
		free(r);
		return ret;
	}
	ret = uffd_api(uffd, UFFD_LAZY_FEATURES, NULL);
	if (ret)
		pr_err("pid %d: userfaultfd lacks the non-cooperative events (fork, remap, "
		       "remove, unmap; Linux 4.11+): %s",
		       t->pid, strerror(-ret));
	for (size_t i = 0; !ret && i < n; i++) {
		ret = uffd_register_missing(uffd, r[i].start, r[i].end - r[i].start);
		if (ret)
			pr_err("pid %d: registering 0x%llx-0x%llx for lazy pages: %s", t->pid,
			       (unsigned long long)r[i].start, (unsigned long long)r[i].end,
			       strerror(-ret));
	}
	if (!ret)
		ret = lz_send_ranges(lz, t, uffd, k, r, n);
	pr_debug("pid %d: %zu vma(s) registered for lazy pages", t->pid, n);
	free(r);
	return ret;
}

int rst_lazy_go(struct rst_ctx *c)
{
	struct lz_msg m = {.type = LZ_GO};
	int fds[2], ret;

	if (!c->lazy)
		return 0;
	ret = lz_send(c->lazy->sk, &m, -1, -1, NULL, 0);
	if (!ret)
		ret = lz_recv(c->lazy->sk, &m, NULL, 0, NULL, fds);
	if (ret == 1 && m.type == LZ_READY)
		return 0;
	pr_err("lazy restore: the lazy-pages server did not confirm its guard holds every "
	       "userfaultfd (%s)",
	       ret < 0 ? strerror(-ret) : "it exited");
	return ret < 0 ? ret : -EPIPE;
}

void rst_lazy_end(struct rst_ctx *c)
{
	struct rst_lazy *lz = c->lazy;

	if (!lz)
		return;
	for (size_t i = 0; i < lz->nr; i++)
		close(lz->uffds[i]);
	for (size_t i = 0; i < lz->nr_keeps; i++)
		lz_keep_close(&lz->keeps[i]);
	free(lz->uffds);
	free(lz->keeps);
	close(lz->sk);
	free(lz);
	c->lazy = NULL;
}
