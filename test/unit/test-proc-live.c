/*
 * kernel-iface/proc-*.c against live processes: our own mappings, fds,
 * threads, timers, and a forked child's stat.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "proc-fdinfo.h"
#include "proc-maps.h"
#include "proc-misc.h"
#include "proc-stat.h"
#include "proc-task.h"
#include "tap.h"

static const struct proc_vma *find_vma(const struct proc_vma_list *l, unsigned long start)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->v[i].start == start)
			return &l->v[i];
	return NULL;
}

static void test_maps(void)
{
	unsigned long psz = sysconf(_SC_PAGESIZE), a;
	char path[] = "/tmp/crl-procfs-XXXXXX";
	const struct proc_vma *v;
	struct proc_vma_list l;
	struct stat st;
	char *m, *f;
	int fd;

	/* PROT_NONE guard pages on both sides: the area cannot merge with a neighbour. */
	m = mmap(NULL, 6 * psz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	fd = mkstemp(path);
	if (m == MAP_FAILED || fd < 0 || ftruncate(fd, 4 * psz) || fstat(fd, &st)) {
		ok(0, "set up mappings");
		return;
	}
	mprotect(m, psz, PROT_NONE);
	mprotect(m + 5 * psz, psz, PROT_NONE);
	m += psz;
	a = (unsigned long)m;
	/* Split the anonymous area in three: rw | r | rw. */
	mprotect(m + psz, psz, PROT_READ);
	m[0] = m[2 * psz] = m[3 * psz] = 1;
	f = mmap(NULL, 2 * psz, PROT_READ, MAP_SHARED, fd, 2 * psz);
	ok(f != MAP_FAILED, "map 2 pages of a temp file at offset 2 pages");

	ok(proc_read_maps(getpid(), false, &l) == 0 && l.n > 5, "read own maps");
	v = find_vma(&l, a);
	ok(v && v->end == a + psz && v->prot == (PROT_READ | PROT_WRITE) && !v->shared &&
		   v->kind == PROC_VMA_ANON && !v->path,
	   "first part of the split area: one rw page");
	v = find_vma(&l, a + psz);
	ok(v && v->end == a + 2 * psz && v->prot == PROT_READ, "mprotect'ed page is its own r vma");
	v = find_vma(&l, a + 2 * psz);
	ok(v && v->end == a + 4 * psz && v->prot == (PROT_READ | PROT_WRITE), "rest: rw");
	v = find_vma(&l, (unsigned long)f);
	ok(v && v->kind == PROC_VMA_FILE && v->shared && v->pgoff == 2 * psz &&
		   v->ino == st.st_ino && v->dev_major == major(st.st_dev) &&
		   v->dev_minor == minor(st.st_dev) && v->path && !strcmp(v->path, path) &&
		   !v->deleted,
	   "file mapping: shared, offset, dev, ino, path");
	proc_vma_list_free(&l);

	unlink(path);
	ok(proc_read_maps(getpid(), true, &l) == 0, "read own smaps");
	v = find_vma(&l, (unsigned long)f);
	ok(v && v->deleted && !strcmp(v->path, path) && (v->vmflags & PROC_VMF_SHARED),
	   "after unlink: deleted, suffix stripped; smaps VmFlags sh");
	v = find_vma(&l, a + 2 * psz);
	ok(v && v->rss_kb == 2 * psz / 1024 && v->anon_kb == 2 * psz / 1024,
	   "smaps: 2 touched pages counted in Rss and Anonymous (rss %lu kB)", v ? v->rss_kb : 0);
	v = find_vma(&l, a + psz);
	ok(v && v->rss_kb == 0, "smaps: untouched page not in Rss");
	proc_vma_list_free(&l);
	munmap(f, 2 * psz);
	munmap(m - psz, 6 * psz);
	close(fd);
}

/* smaps of many VMAs is megabytes: the reader must grow its buffer and lose nothing. */
static void test_big_smaps(void)
{
	const unsigned long psz = sysconf(_SC_PAGESIZE), npages = 4000;
	unsigned long a, i, seen = 0, good = 0;
	struct proc_vma_list l;
	char path[64], *buf;
	size_t len = 0;
	char *m;

	m = mmap(NULL, (npages + 2) * psz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		 0);
	if (m == MAP_FAILED) {
		ok(0, "map %lu pages", npages);
		return;
	}
	/* PROT_NONE guard pages: nothing can merge with the area (an unmapped hole could be
	 * filled by a later rw mapping, e.g. from the allocator, which would merge). */
	mprotect(m, psz, PROT_NONE);
	mprotect(m + (npages + 1) * psz, psz, PROT_NONE);
	m += psz;
	a = (unsigned long)m;
	for (i = 1; i < npages; i += 2)
		mprotect(m + i * psz, psz, PROT_READ);
	snprintf(path, sizeof(path), "/proc/%d/smaps", (int)getpid());
	ok(proc_read_file(path, &buf, &len) == 0 && len > 2 * 1024 * 1024 && strlen(buf) == len,
	   "smaps of %lu VMAs read whole: %zu bytes, NUL-terminated", npages, len);
	free(buf);
	ok(proc_read_maps(getpid(), true, &l) == 0, "parse big smaps");
	for (i = 0; i < l.n; i++) {
		const struct proc_vma *v = &l.v[i];
		unsigned long idx = (v->start - a) / psz;

		if (v->start < a || v->start >= a + npages * psz)
			continue;
		seen++;
		good += v->end == v->start + psz &&
			v->prot == (idx % 2 ? PROT_READ : PROT_READ | PROT_WRITE);
	}
	ok(seen == npages && good == npages,
	   "all %lu one-page VMAs found with their prot (%lu, %lu)", npages, seen, good);
	proc_vma_list_free(&l);
	munmap(m - psz, (npages + 2) * psz);
}

static void test_child(void)
{
	struct proc_stat st;
	struct proc_vma_list l = {.n = 99};
	pid_t child, *kids = NULL;
	size_t n = 0, i;
	int found = 0, ret = -1, status, tries;

	child = fork();
	if (child == 0) {
		setpgid(0, 0);
		pause();
		_exit(0);
	}
	if (child < 0) {
		ok(0, "fork");
		return;
	}
	setpgid(child, child);
	/* The child may not have run setpgid yet when we look; ours already did it. */
	for (tries = 0; tries < 100; tries++) {
		ret = proc_read_stat(child, 0, &st);
		if (ret || st.pgid == child)
			break;
		usleep(1000);
	}
	ok(ret == 0 && st.pid == child && st.ppid == getpid() && st.pgid == child &&
		   st.sid == getsid(0),
	   "child stat: pid, ppid is us, own pgid, our session");
	ok(proc_list_children(getpid(), 0, &kids, &n) == 0, "list our children");
	for (i = 0; i < n; i++)
		found |= kids[i] == child;
	ok(found, "child listed in /proc/self/task/TID/children (%zu children)", n);
	free(kids);
	kill(child, SIGKILL);
	waitpid(child, &status, 0);
	ok(proc_read_stat(child, 0, &st) == -ENOENT, "reaped child: -ENOENT");
	ok(proc_read_maps(child, false, &l) == -ENOENT && l.n == 0,
	   "maps of a reaped child: -ENOENT, list empty");
}

static pid_t thread_tid;
static int thread_ready[2], thread_go[2];

static void *thread_fn(void *arg)
{
	char c;

	thread_tid = gettid();
	prctl(PR_SET_NAME, "procfs-thr");
	if (write(thread_ready[1], "x", 1) != 1 || read(thread_go[0], &c, 1) != 1)
		return NULL;
	return arg;
}

static void test_threads(void)
{
	struct proc_status s;
	struct proc_stat st;
	pthread_t t;
	pid_t *tids = NULL;
	size_t n = 0;
	char c, comm[32];

	if (pipe(thread_ready) || pipe(thread_go) || pthread_create(&t, NULL, thread_fn, NULL)) {
		ok(0, "start a thread");
		return;
	}
	if (read(thread_ready[0], &c, 1) != 1)
		ok(0, "thread started");
	ok(proc_list_threads(getpid(), &tids, &n) == 0 && n == 2 && tids[0] == getpid() &&
		   tids[1] == thread_tid,
	   "threads: leader first, then the new thread");
	free(tids);
	ok(proc_read_stat(getpid(), thread_tid, &st) == 0 && st.pid == thread_tid &&
		   !strcmp(st.comm, "procfs-thr") && st.num_threads == 2,
	   "thread stat: tid, comm, 2 threads");
	ok(proc_read_comm(getpid(), thread_tid, comm, sizeof(comm)) == 0 &&
		   !strcmp(comm, "procfs-thr"),
	   "thread comm without newline");
	ok(proc_read_status(getpid(), 0, &s) == 0 && s.tgid == getpid() && s.ppid == getppid() &&
		   s.threads == 2 && s.uid[0] == getuid() && s.gid[1] == getegid() &&
		   s.tracer_pid == 0,
	   "own status: tgid, ppid, 2 threads, ids, not traced");
	ok(proc_read_status(getpid(), thread_tid, &s) == 0 && s.tgid == getpid(),
	   "thread status: tgid is the process");
	if (write(thread_go[1], "y", 1) != 1)
		ok(0, "release thread");
	pthread_join(t, NULL);
	close(thread_ready[0]);
	close(thread_ready[1]);
	close(thread_go[0]);
	close(thread_go[1]);
}

static int has_fd(const int *fds, size_t n, int fd)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (fds[i] == fd)
			return 1;
	return 0;
}

static void test_fds(void)
{
	int *fds = NULL, fd, sorted = 1;
	size_t n = 0, i;

	fd = dup2(1, 200);
	ok(fd == 200 && proc_list_fds(getpid(), &fds, &n) == 0 && has_fd(fds, n, 200) &&
		   has_fd(fds, n, 0),
	   "fd 200 listed, and fd 0");
	for (i = 1; i < n; i++)
		sorted &= fds[i - 1] < fds[i];
	ok(sorted, "fds sorted");
	free(fds);
	close(200);
	ok(proc_list_fds(getpid(), &fds, &n) == 0 && !has_fd(fds, n, 200), "closed fd 200 gone");
	/* Exactly the open fds: the directory fd used for listing is not among them. */
	for (fd = 0, i = 0; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) != -1)
			i += has_fd(fds, n, fd) ? 1 : 1000;
	ok(i == n, "listing matches fcntl(F_GETFD) probing over 0..1023 (%zu vs %zu)", i, n);
	free(fds);
}

static void test_fdinfo(void)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 0xabcdef0123ULL};
	struct itimerspec its = {{3, 0}, {100, 0}};
	struct proc_fdinfo f;
	struct stat st;
	sigset_t mask;
	int efd, tfd, ep, sfd;

	efd = eventfd(7, EFD_CLOEXEC);
	tfd = timerfd_create(CLOCK_REALTIME, 0);
	ep = epoll_create1(0);
	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sfd = signalfd(-1, &mask, 0);
	if (efd < 0 || tfd < 0 || ep < 0 || sfd < 0 || timerfd_settime(tfd, 0, &its, NULL) ||
	    epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev) || fstat(efd, &st)) {
		ok(0, "create eventfd, timerfd, epoll, signalfd");
		return;
	}
	ok(proc_read_fdinfo(getpid(), efd, &f) == 0 && f.has_eventfd && f.eventfd_count == 7 &&
		   (f.flags & O_CLOEXEC) && (f.flags & O_ACCMODE) == O_RDWR,
	   "eventfd: count 7, O_CLOEXEC|O_RDWR");
	ok(proc_read_fdinfo(getpid(), tfd, &f) == 0 && f.has_timerfd &&
		   f.clockid == CLOCK_REALTIME && f.it_interval_sec == 3 &&
		   f.it_interval_nsec == 0 && f.it_value_sec <= 100 && f.it_value_sec >= 90,
	   "timerfd: clock, interval 3 s, value about 100 s (%llu)",
	   (unsigned long long)f.it_value_sec);
	/* The kernel adds EPOLLERR|EPOLLHUP to every registered event set. */
	ok(proc_read_fdinfo(getpid(), ep, &f) == 0 && f.is_epoll && f.n_tfds == 1 &&
		   f.tfds[0].tfd == efd && (f.tfds[0].events & ~(EPOLLERR | EPOLLHUP)) == EPOLLIN &&
		   f.tfds[0].data == 0xabcdef0123ULL && f.tfds[0].ino == st.st_ino,
	   "epoll: one target, fd, events, data, inode");
	proc_fdinfo_fini(&f);
	ok(proc_read_fdinfo(getpid(), sfd, &f) == 0 && f.has_signalfd &&
		   f.sigmask == 1ULL << (SIGHUP - 1),
	   "signalfd: mask SIGHUP");
	ok(proc_read_fdinfo(getpid(), 999, &f) == -ENOENT, "fdinfo of a closed fd: -ENOENT");
	close(efd);
	close(tfd);
	close(ep);
	close(sfd);
}

static void test_misc(void)
{
	struct sigevent se = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1};
	struct proc_posix_timer *t = NULL;
	char buf[4096], want[4096];
	uint64_t auxv[256];
	size_t n = 0, i;
	timer_t tid;
	ssize_t r;
	int found = 0, pagesz_ok = 0;

	ok(proc_read_auxv(getpid(), auxv, 256, &n) == 0 && n >= 2 && n % 2 == 0 &&
		   auxv[n - 2] == AT_NULL && auxv[n - 1] == 0,
	   "auxv: pairs ending in AT_NULL (%zu words)", n);
	for (i = 0; i + 1 < n; i += 2)
		if (auxv[i] == AT_PAGESZ)
			pagesz_ok = auxv[i + 1] == (uint64_t)getauxval(AT_PAGESZ);
	ok(pagesz_ok, "auxv: AT_PAGESZ matches getauxval");
	ok(proc_read_auxv(getpid(), auxv, 2, &n) == -E2BIG, "auxv: small buffer: -E2BIG");

	r = readlink("/proc/self/exe", want, sizeof(want) - 1);
	want[r > 0 ? r : 0] = '\0';
	ok(proc_readlink(getpid(), "exe", buf, sizeof(buf)) == 0 && !strcmp(buf, want),
	   "readlink exe: %s", buf);
	ok(getcwd(want, sizeof(want)) && proc_readlink(getpid(), "cwd", buf, sizeof(buf)) == 0 &&
		   !strcmp(buf, want),
	   "readlink cwd");
	ok(proc_readlink(getpid(), "exe", buf, 4) == -ENAMETOOLONG, "readlink: short buffer");

	se.sigev_value.sival_ptr = (void *)0x1234;
	ok(timer_create(CLOCK_MONOTONIC, &se, &tid) == 0, "timer_create");
	ok(proc_read_timers(getpid(), &t, &n) == 0, "read timers");
	for (i = 0; i < n; i++)
		found |= t[i].id == (int)(intptr_t)tid && t[i].signo == SIGUSR1 &&
			 t[i].sigev_value == 0x1234 && t[i].notify == SIGEV_SIGNAL &&
			 t[i].notify_tid == getpid() && t[i].clock_id == CLOCK_MONOTONIC;
	ok(found, "our timer listed with signal, value, notify and clock");
	free(t);
	timer_delete(tid);

	prctl(PR_SET_NAME, "procfs-live");
	ok(proc_read_comm(getpid(), 0, buf, sizeof(buf)) == 0 && !strcmp(buf, "procfs-live"),
	   "comm");
	ok(proc_read_comm(getpid(), 0, buf, 5) == -ENAMETOOLONG, "comm: short buffer");
	ok(proc_read_boot_id(buf, sizeof(buf)) == 0 && strlen(buf) == 36 && buf[8] == '-' &&
		   buf[13] == '-',
	   "boot_id: %s", buf);
	if (access("/proc/self/loginuid", R_OK)) {
		skip("no /proc/self/loginuid (CONFIG_AUDIT)");
	} else {
		uint32_t luid = 0;
		unsigned long want = 0;
		FILE *f = fopen("/proc/self/loginuid", "r");

		if (!f || fscanf(f, "%lu", &want) != 1)
			want = 1;
		if (f)
			fclose(f);
		ok(proc_read_loginuid(getpid(), &luid) == 0 && luid == want,
		   "loginuid: %u (file says %lu)", luid, want);
	}
}

int main(void)
{
	test_maps();
	test_big_smaps();
	test_child();
	test_threads();
	test_fds();
	test_fdinfo();
	test_misc();
	return tap_done();
}
