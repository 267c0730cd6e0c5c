/*
 * The dump's view across separate commands: a chain of three "dumps" of a
 * live child through tracker_ctx (state saved in and loaded from image
 * dirs), for each tracker that validates here. Checks which pages the filter
 * lets through, that a fork is dumped whole, that our uffd is hidden from the
 * fd dump (also the copy a fork inherits), and that the final dump removes it.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "img.h"
#include "nouffd-filter.h"
#include "log.h"
#include "ptrace.h"
#include "tracker.h"
#include "tap.h"

#define NP 16

static long psz;
static int cmd[2], ack[2];

/* Child: maps NP pages, then per command byte: write page N (N < NP), or fork (F). */
static void child(void)
{
	char *p = mmap(NULL, NP * psz, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	unsigned char c;
	pid_t gc = 0;

	close(cmd[1]);
	close(ack[0]);
	memset(p, 1, NP * psz);
	if (write(ack[1], &p, sizeof(p)) != sizeof(p))
		_exit(1);
	while (read(cmd[0], &c, 1) == 1) {
		if (c == 'F') {
			gc = fork();
			if (gc == 0) {
				for (;;)
					pause();
			}
			if (write(ack[1], &gc, sizeof(gc)) != sizeof(gc))
				_exit(1);
			continue;
		}
		p[c * psz] = 2;
		if (write(ack[1], &c, 1) != 1)
			_exit(1);
	}
	if (gc > 0)
		kill(gc, SIGKILL);
	_exit(0);
}

static void child_write(int page)
{
	unsigned char c = page;

	if (write(cmd[1], &c, 1) != 1 || read(ack[0], &c, 1) != 1)
		abort();
}

/* Pages the filter says must be written, as a bitmap over the NP pages. */
static unsigned filter_mask(struct tracker_ctx *c, pid_t pid, char *p)
{
	uint8_t changed[NP];
	uint64_t pme[NP] = {0};
	unsigned m = 0;

	memset(changed, 1, sizeof(changed));
	tracker_filter_changed(c, pid, (unsigned long)p, NP, pme, changed);
	for (int i = 0; i < NP; i++)
		m |= (unsigned)changed[i] << i;
	return m;
}

/* What a dump does with its pages: for digest, note the written data. */
static void dump_pages(struct tracker_ctx *c, pid_t pid, char *p, unsigned mask)
{
	char path[64], *buf = malloc(psz);
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	fd = open(path, O_RDONLY);
	for (int i = 0; i < NP; i++)
		if ((mask >> i & 1) && pread(fd, buf, psz, (off_t)(uintptr_t)(p + i * psz)) == psz)
			tracker_note_written(c, pid, (unsigned long)(p + i * psz), buf, 1);
	close(fd);
	free(buf);
}

static int count_uffds(pid_t pid)
{
	char cmdline[128];
	FILE *f;
	int n = 0;

	snprintf(cmdline, sizeof(cmdline),
		 "ls -l /proc/%d/fd 2>/dev/null | grep -c 'anon_inode:\\[userfaultfd\\]'",
		 (int)pid);
	f = popen(cmdline, "r");
	if (f && fscanf(f, "%d", &n) != 1)
		n = -1;
	if (f)
		pclose(f);
	return n;
}

/*
 * @last: dump 3 is marked the last of the chain (what dump does without
 * --track-mem): it only looks, a failed attempt leaves the interval for a
 * retry, the new fork is not started, uffds are released after the thaw.
 */
static void chain(const struct tracker_ops *ops, const char *base, bool last)
{
	struct img_dir d1, d2, d3;
	struct tracker_ctx c;
	char path[4096], *p;
	pid_t pid, gc;
	unsigned m, all = (1u << NP) - 1;
	bool uffd = ops->caps & TRACKER_CAP_TARGET_FD, none = ops == &tracker_none;

	if (pipe(cmd) || pipe(ack))
		abort();
	pid = fork();
	if (pid == 0)
		child();
	if (read(ack[0], &p, sizeof(p)) != sizeof(p))
		abort();

	/* dump 1: no parent */
	snprintf(path, sizeof(path), "%s/%s-1", base, ops->name);
	img_dir_open(path, true, &d1);
	ptrace_seize_stop(pid, 0, 2000, NULL);
	tracker_ctx_init(&c, ops, NULL);
	ok(tracker_ctx_add_task(&c, pid) == 0, "%s: dump 1 starts tracking", ops->name);
	m = filter_mask(&c, pid, p);
	ok(m == all, "%s: dump 1 writes everything", ops->name);
	dump_pages(&c, pid, p, m);
	if (uffd)
		ok(tracker_hidden_fd(&c, pid) >= 0 &&
			   tracker_is_hidden_fd(&c, pid, tracker_hidden_fd(&c, pid)),
		   "uffd-wp: the uffd in the target is hidden from the fd dump (%d)",
		   tracker_hidden_fd(&c, pid));
	ok(tracker_ctx_save(&c, &d1) == 0, "%s: state saved", ops->name);
	tracker_ctx_fini(&c, false);
	ptrace_detach(pid, 0);

	child_write(3);
	child_write(11);

	/* dump 2: parent dump 1 */
	snprintf(path, sizeof(path), "%s/%s-2", base, ops->name);
	img_dir_open(path, true, &d2);
	ptrace_seize_stop(pid, 0, 2000, NULL);
	tracker_ctx_init(&c, ops, &d1);
	ok(tracker_ctx_add_task(&c, pid) == 0, "%s: dump 2 continues tracking", ops->name);
	m = filter_mask(&c, pid, p);
	ok(none ? m == all : m == ((1u << 3) | (1u << 11)),
	   "%s: dump 2 writes exactly pages 3 and 11 (%#x)", ops->name, m);
	dump_pages(&c, pid, p, m);
	ok(filter_mask(&c, pid, (char *)0x1000) == all, "%s: pages outside every area stay changed",
	   ops->name);
	ok(tracker_ctx_save(&c, &d2) == 0, "%s: state saved", ops->name);
	tracker_ctx_fini(&c, false);
	ptrace_detach(pid, 0);

	child_write(5);
	if (write(cmd[1], "F", 1) != 1 || read(ack[0], &gc, sizeof(gc)) != sizeof(gc))
		abort();

	/* dump 3, final: parent dump 2, plus the new fork */
	snprintf(path, sizeof(path), "%s/%s-3", base, ops->name);
	img_dir_open(path, true, &d3);
	ptrace_seize_stop(pid, 0, 2000, NULL);
	ptrace_seize_stop(gc, 0, 2000, NULL);
	if (last) {
		/* an attempt that fails after looking: the next one sees the same */
		tracker_ctx_init(&c, ops, &d2);
		c.last = true;
		ok(tracker_ctx_add_task(&c, pid) == 0, "%s: last dump, failed attempt", ops->name);
		m = filter_mask(&c, pid, p);
		ok(none ? m == all : m == (1u << 5), "%s: it saw page 5 (%#x)", ops->name, m);
		tracker_ctx_fini(&c, false);
	}
	tracker_ctx_init(&c, ops, &d2);
	c.last = last;
	c.defer_release = last;
	ok(tracker_ctx_add_task(&c, pid) == 0 && tracker_ctx_add_task(&c, gc) == 0,
	   "%s: dump 3 with a fork%s", ops->name, last ? " (last)" : "");
	m = filter_mask(&c, pid, p);
	ok(none ? m == all : m == (1u << 5), "%s: dump 3 writes exactly page 5 (%#x)", ops->name,
	   m);
	ok(filter_mask(&c, gc, p) == all, "%s: the fork is dumped whole", ops->name);
	if (uffd) {
		ok(count_uffds(gc) == (last ? 1 : 2), "uffd-wp: the fork holds %s",
		   last ? "only the inherited uffd (not started)"
			: "2 uffds (inherited + its own)");
		ok(tracker_hidden_fd(&c, gc) >= 0 && c.nr_tasks == 2,
		   "uffd-wp: the inherited uffd is recognized as ours too");
	}
	tracker_ctx_fini(&c, true);
	if (uffd && last)
		ok(c.nr_late == 1, "uffd-wp: our copy is kept for the release after the thaw");
	ptrace_detach(gc, 0);
	ptrace_detach(pid, 0);
	tracker_ctx_release(&c);
	if (uffd)
		ok(count_uffds(pid) == 0 && count_uffds(gc) == 0,
		   "uffd-wp: the final dump removed every uffd from the targets");

	kill(gc, SIGKILL);
	close(cmd[1]);
	waitpid(pid, NULL, 0);
	close(cmd[0]);
	close(ack[0]);
	close(ack[1]);
	img_dir_close(&d1);
	img_dir_close(&d2);
	img_dir_close(&d3);
}

/* A target where userfaultfd() is filtered: uffd-wp cannot start, the task is dumped whole. */
static void untrackable(const char *base)
{
	char path[4096], *p;
	struct tracker_ctx c;
	struct img_dir d;
	pid_t pid;

	if (pipe(cmd) || pipe(ack))
		abort();
	pid = fork();
	if (pid == 0) {
		if (nouffd_install())
			_exit(1);
		child();
	}
	if (read(ack[0], &p, sizeof(p)) != sizeof(p))
		abort();
	snprintf(path, sizeof(path), "%s/untrackable", base);
	img_dir_open(path, true, &d);
	ptrace_seize_stop(pid, 0, 2000, NULL);
	tracker_ctx_init(&c, &tracker_uffd_wp, NULL);
	ok(tracker_ctx_add_task(&c, pid) == 0, "uffd-wp: a target without userfaultfd is accepted");
	ok(filter_mask(&c, pid, p) == (1u << NP) - 1, "and dumped whole");
	snprintf(path, sizeof(path), "tracker-%d.img", (int)pid);
	ok(tracker_ctx_save(&c, &d) == 0 && faccessat(d.fd, path, F_OK, 0) &&
		   tracker_hidden_fd(&c, pid) < 0,
	   "no state is left for it, no uffd in it");
	tracker_ctx_fini(&c, true);
	ptrace_detach(pid, 0);
	close(cmd[1]);
	waitpid(pid, NULL, 0);
	close(cmd[0]);
	close(ack[0]);
	close(ack[1]);
	img_dir_close(&d);
}

static long vm_pte_kb(pid_t pid)
{
	char path[64], line[128];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmPTE: %ld", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

/*
 * A 64 GiB reservation with two pages touched: tracking it must cost what it
 * holds. (Write-protecting its holes would allocate 128 MiB of page tables.)
 */
static void sparse(const struct tracker_ops *ops)
{
	size_t len = 64UL << 30;
	struct tracker_ctx c;
	char *p;
	long before, after;
	pid_t pid;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1,
		 0);
	if (p == MAP_FAILED) {
		skip("%s: no 64 GiB reservation here", ops->name);
		return;
	}
	p[0] = 1;
	p[len - 1] = 1;
	pid = fork();
	if (pid == 0) {
		p[0] = 2; /* private copies in the child */
		p[len - 1] = 2;
		for (;;)
			pause();
	}
	munmap(p, len);
	usleep(100000);
	before = vm_pte_kb(pid);
	ptrace_seize_stop(pid, 0, 2000, NULL);
	tracker_ctx_init(&c, ops, NULL);
	ok(tracker_ctx_add_task(&c, pid) == 0, "%s: tracking a 64 GiB sparse area starts",
	   ops->name);
	after = vm_pte_kb(pid);
	ok(after >= 0 && after - before < 2048,
	   "%s: its holes are not write-protected (page tables %ld -> %ld KiB)", ops->name, before,
	   after);
	tracker_ctx_fini(&c, true);
	ptrace_detach(pid, 0);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

int main(void)
{
	char base[] = "/tmp/crl-trk-ctx-XXXXXX", cmdline[128];
	struct tracker_verdict v;

	psz = sysconf(_SC_PAGESIZE);
	log_init(LOG_WARN, NULL);
	setenv("CRL_TRACKER_CACHE", "off", 1);
	if (!mkdtemp(base))
		return 1;
	for (int i = 0; tracker_all[i]; i++) {
		if (tracker_validate(tracker_all[i], &v)) {
			skip("%s does not validate here: %s", tracker_all[i]->name, v.why);
			continue;
		}
		chain(tracker_all[i], base, false);
		snprintf(cmdline, sizeof(cmdline), "rm -rf %s/*", base);
		if (system(cmdline))
			return 1;
		chain(tracker_all[i], base, true);
	}
	if (tracker_validate(&tracker_uffd_wp, &v) == 0) {
		untrackable(base);
		sparse(&tracker_uffd_wp);
	}
	snprintf(cmdline, sizeof(cmdline), "rm -rf %s", base);
	if (system(cmdline))
		return 1;
	return tap_done();
}
