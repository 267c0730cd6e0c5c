/*
 * Kernel assumptions of dump -R's copy-on-write snapshot (docs/dump-cow.md):
 * userfaultfd write-protect in synchronous mode, in this process.
 *   - a write by the kernel on our behalf (read() from a pipe into a
 *     protected page) blocks and is reported as a WP fault, like a user one;
 *     the page keeps its old data until UFFDIO_WRITEPROTECT mode 0 wakes it;
 *   - mremap clears the uffd-wp bit of the pages it moves when the uffd has
 *     no UFFD_FEATURE_EVENT_REMAP (6.13+);
 *   - closing the uffd unregisters and clears the bit of every page, and a
 *     write then proceeds.
 * Skips (77) where a full userfaultfd is not allowed (EPERM) or absent.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "pagemap.h"
#include "tap.h"
#include "uffd.h"

#define NPAGES 8

static long psz;
static char *area;
static int pfd[2];

static uint64_t pme_of(const void *addr)
{
	uint64_t pme = 0;
	int fd = pagemap_open(getpid());

	if (fd >= 0) {
		pagemap_read(fd, (unsigned long)addr, 1, &pme);
		close(fd);
	}
	return pme;
}

static void *pipe_reader(void *arg)
{
	ssize_t n = read(pfd[0], area + psz, (size_t)psz);

	return (void *)(intptr_t)n;
}

static void *user_writer(void *arg)
{
	area[2 * psz] = 7;
	return NULL;
}

/* The next WP fault's page address, or 0 within 2 s. */
static unsigned long next_wp_fault(int uffd)
{
	struct pollfd p = {.fd = uffd, .events = POLLIN};
	struct uffd_msg m;

	if (poll(&p, 1, 2000) != 1 || uffd_read_msgs(uffd, &m, 1) != 1)
		return 0;
	if (m.event != UFFD_EVENT_PAGEFAULT || !(m.arg.pagefault.flags & UFFD_PAGEFAULT_FLAG_WP))
		return 0;
	return (unsigned long)m.arg.pagefault.address & ~(unsigned long)(psz - 1);
}

static bool kernel_at_least(int maj, int min)
{
	struct utsname u;
	int a = 0, b = 0;

	return !uname(&u) && sscanf(u.release, "%d.%d", &a, &b) == 2 &&
	       (a > maj || (a == maj && b >= min));
}

int main(void)
{
	char buf[4096] = {0};
	uint64_t got = 0;
	pthread_t th;
	void *res;
	char *moved;
	int uffd;

	psz = sysconf(_SC_PAGESIZE);
	area = mmap(NULL, NPAGES * psz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	moved = mmap(NULL, psz, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED || moved == MAP_FAILED || pipe(pfd) || psz > (long)sizeof(buf))
		return 77;
	memset(area, 1, NPAGES * psz);
	uffd = uffd_open(O_CLOEXEC | O_NONBLOCK);
	if (uffd < 0) {
		printf("# SKIP: userfaultfd() without UFFD_USER_MODE_ONLY: %s\n", strerror(-uffd));
		return 77;
	}
	ok(!uffd_api(uffd, 0, &got) && (got & UFFD_FEATURE_PAGEFAULT_FLAG_WP),
	   "UFFDIO_API offers write-protect faults (features %#llx)", (unsigned long long)got);
	ok(!uffd_register_wp(uffd, (unsigned long)area, NPAGES * psz), "UFFDIO_REGISTER_MODE_WP");
	ok(!uffd_writeprotect(uffd, (unsigned long)area, NPAGES * psz, 1), "UFFDIO_WRITEPROTECT");
	ok(pme_of(area) & PME_UFFD_WP, "a protected page shows pagemap bit 57");

	/* a kernel-mode write: read() from a pipe into page 1 */
	memset(buf, 9, sizeof(buf));
	ok(write(pfd[1], buf, (size_t)psz) == psz, "pipe filled");
	pthread_create(&th, NULL, pipe_reader, NULL);
	ok(next_wp_fault(uffd) == (unsigned long)area + psz,
	   "read() into a protected page blocks and reports a WP fault at that page");
	ok(area[psz] == 1, "the page still holds its old data while the reader waits");
	ok(!uffd_writeprotect(uffd, (unsigned long)area + psz, psz, 0), "unprotecting it wakes");
	pthread_join(th, &res);
	ok((intptr_t)res == psz && area[psz] == 9, "the read() then completes (%ld bytes)",
	   (long)(intptr_t)res);

	/* a user-mode write */
	pthread_create(&th, NULL, user_writer, NULL);
	ok(next_wp_fault(uffd) == (unsigned long)area + 2 * psz, "a user write reports a WP fault");
	ok(area[2 * psz] == 1, "and waits");
	uffd_writeprotect(uffd, (unsigned long)area + 2 * psz, psz, 0);
	pthread_join(th, NULL);
	ok(area[2 * psz] == 7, "and lands once unprotected");

	/* mremap without UFFD_FEATURE_EVENT_REMAP */
	if (kernel_at_least(6, 13)) {
		char *to = mremap(area + 3 * psz, psz, psz, MREMAP_MAYMOVE | MREMAP_FIXED, moved);

		ok(to == moved && (pme_of(to) & PME_PRESENT) && !(pme_of(to) & PME_UFFD_WP),
		   "mremap moves a protected page without its uffd-wp bit (6.13+)");
	} else {
		skip("mremap keeps the uffd-wp bit before 6.13");
	}

	/* the last reference goes */
	close(uffd);
	ok(!(pme_of(area + 4 * psz) & PME_UFFD_WP),
	   "closing the uffd clears the uffd-wp bit of protected pages");
	area[4 * psz] = 5;
	ok(area[4 * psz] == 5, "and a write to such a page proceeds");
	return tap_done();
}
