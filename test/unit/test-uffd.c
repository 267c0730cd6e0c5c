/*
 * userfaultfd across processes: a child creates the uffd (as an injected
 * syscall would), we take it with pidfd_getfd, register WP on the child's
 * memory and see exactly the child's writes; tracking survives our copy of the
 * fd being closed.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pagemap-scan.h"
#include "uffd.h"
#include "tap.h"

#define NPAGES 16

struct hello {
	int uffd;
	unsigned long addr;
};

static long psz;
static int to_child[2], from_child[2];

static void child(void)
{
	struct hello h;
	char *p;
	int cmd;

	p = mmap(NULL, NPAGES * psz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(p, 1, NPAGES * psz);
	h.uffd = uffd_open(O_CLOEXEC | O_NONBLOCK);
	h.addr = (unsigned long)p;
	if (write(from_child[1], &h, sizeof(h)) != sizeof(h))
		_exit(1);
	/* each command: write page cmd, then ack */
	while (read(to_child[0], &cmd, sizeof(cmd)) == sizeof(cmd) && cmd >= 0) {
		p[cmd * psz] = 2;
		if (write(from_child[1], &cmd, sizeof(cmd)) != sizeof(cmd))
			_exit(1);
	}
	_exit(0);
}

static int child_write(int page)
{
	int ack = -1;

	if (write(to_child[1], &page, sizeof(page)) != sizeof(page))
		return -1;
	if (read(from_child[0], &ack, sizeof(ack)) != sizeof(ack))
		return -1;
	return ack == page ? 0 : -1;
}

static int one_cb(const struct page_region *r, void *arg)
{
	unsigned long *acc = arg;

	if (acc[0] == 0)
		acc[0] = r->start;
	acc[1] += (r->end - r->start) / psz;
	return 0;
}

/* Scans and re-protects; returns the count of written pages, first in *first. */
static long scan(int pm, unsigned long addr, unsigned long *first)
{
	struct pagemap_scan_query q = {
		.flags = PM_SCAN_WP_MATCHING | PM_SCAN_CHECK_WPASYNC,
		.mask = PAGE_IS_WRITTEN,
		.ret = PAGE_IS_WRITTEN,
	};
	unsigned long acc[2] = {0, 0};
	int ret;

	ret = pagemap_scan_walk(pm, addr, addr + NPAGES * psz, &q, one_cb, acc);
	*first = acc[0];
	return ret < 0 ? ret : (long)acc[1];
}

int main(void)
{
	struct hello h;
	unsigned long first;
	char path[64];
	int fd, pm, ret, status;
	pid_t pid;
	long n;

	psz = sysconf(_SC_PAGESIZE);
	if (pagemap_scan_probe(PAGE_IS_WRITTEN)) {
		printf("1..0 # SKIP no PAGEMAP_SCAN\n");
		return 77;
	}
	if (pipe(to_child) || pipe(from_child))
		return 1;
	pid = fork();
	if (pid == 0)
		child();
	if (read(from_child[0], &h, sizeof(h)) != sizeof(h))
		return 1;
	if (h.uffd < 0) {
		printf("1..0 # SKIP userfaultfd in child: %s\n", strerror(-h.uffd));
		kill(pid, SIGKILL);
		return 77;
	}

	fd = uffd_steal_fd(pid, h.uffd);
	ok(fd >= 0, "pidfd_getfd took the child's uffd (%d)", fd);
	ok(uffd_is_uffd(fd) == 1, "the stolen fd is a userfaultfd");
	ok(uffd_is_uffd(0) == 0 || uffd_is_uffd(0) == -EBADF, "stdin is not");
	ret = uffd_api(fd, UFFD_TRACK_FEATURES, NULL);
	ok(ret == 0, "UFFDIO_API on the stolen fd (%d)", ret);
	ret = uffd_register_wp(fd, h.addr, NPAGES * psz);
	ok(ret == 0, "register the child's area from outside (%d)", ret);

	snprintf(path, sizeof(path), "/proc/%d/pagemap", (int)pid);
	pm = open(path, O_RDONLY);
	n = scan(pm, h.addr, &first);
	ok(n == NPAGES, "first scan protects all %d populated pages (%ld)", NPAGES, n);
	ok(scan(pm, h.addr, &first) == 0, "nothing written right after");

	child_write(5);
	n = scan(pm, h.addr, &first);
	ok(n == 1 && first == h.addr + 5 * psz, "child's write to page 5 found (%ld pages)", n);

	close(fd);
	child_write(9);
	n = scan(pm, h.addr, &first);
	ok(n == 1 && first == h.addr + 9 * psz,
	   "tracking survives closing our copy: page 9 found (%ld)", n);

	fd = uffd_steal_fd(pid, h.uffd);
	ret = uffd_api(fd, UFFD_TRACK_FEATURES, NULL);
	ok(ret == -EINVAL, "a second UFFDIO_API on the same uffd is refused (%d)", ret);
	ret = uffd_unregister(fd, h.addr, NPAGES * psz);
	ok(ret == 0, "unregister from outside (%d)", ret);
	child_write(2);
	n = scan(pm, h.addr, &first);
	ok(n == -EPERM, "after unregister CHECK_WPASYNC refuses the area (%ld)", n);
	close(fd);
	close(pm);

	n = -1;
	ret = write(to_child[1], &n, sizeof(int));
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child exited cleanly");
	return tap_done();
}
