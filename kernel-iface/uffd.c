/* userfaultfd and pidfd syscalls and ioctls. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "uffd.h"

int uffd_open(int flags)
{
	long fd = syscall(SYS_userfaultfd, flags);

	return fd < 0 ? -errno : (int)fd;
}

int uffd_api(int uffd, uint64_t features, uint64_t *got)
{
	struct uffdio_api api = {.api = UFFD_API, .features = features};

	if (ioctl(uffd, UFFDIO_API, &api))
		return -errno;
	if (got)
		*got = api.features;
	return (api.features & features) == features ? 0 : -EINVAL;
}

int uffd_register_wp(int uffd, unsigned long start, unsigned long len)
{
	struct uffdio_register r = {
		.range = {.start = start, .len = len},
		.mode = UFFDIO_REGISTER_MODE_WP,
	};

	return ioctl(uffd, UFFDIO_REGISTER, &r) ? -errno : 0;
}

int uffd_writeprotect(int uffd, unsigned long start, unsigned long len, int wp)
{
	struct uffdio_writeprotect w = {
		.range = {.start = start, .len = len},
		.mode = wp ? UFFDIO_WRITEPROTECT_MODE_WP : 0,
	};

	return ioctl(uffd, UFFDIO_WRITEPROTECT, &w) ? -errno : 0;
}

int uffd_read_msgs(int uffd, struct uffd_msg *msgs, int max)
{
	ssize_t n;

	do
		n = read(uffd, msgs, sizeof(*msgs) * (size_t)max);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN ? 0 : -errno;
	return (int)((size_t)n / sizeof(*msgs));
}

int uffd_register_missing(int uffd, unsigned long start, unsigned long len)
{
	struct uffdio_register r = {
		.range = {.start = start, .len = len},
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};

	return ioctl(uffd, UFFDIO_REGISTER, &r) ? -errno : 0;
}

int uffd_copy(int uffd, unsigned long dst, const void *src, unsigned long len, unsigned long *done)
{
	struct uffdio_copy c = {.dst = dst, .src = (unsigned long)src, .len = len};
	int ret = ioctl(uffd, UFFDIO_COPY, &c) ? -errno : 0;

	/* .copy: bytes copied, or the negative error when none was */
	*done = ret && c.copy > 0 ? (unsigned long)c.copy : ret ? 0 : len;
	return ret;
}

int uffd_zeropage(int uffd, unsigned long dst, unsigned long len)
{
	struct uffdio_zeropage z = {.range = {.start = dst, .len = len}};

	return ioctl(uffd, UFFDIO_ZEROPAGE, &z) ? -errno : 0;
}

int uffd_wake(int uffd, unsigned long start, unsigned long len)
{
	struct uffdio_range r = {.start = start, .len = len};

	return ioctl(uffd, UFFDIO_WAKE, &r) ? -errno : 0;
}

int uffd_unregister(int uffd, unsigned long start, unsigned long len)
{
	struct uffdio_range r = {.start = start, .len = len};

	return ioctl(uffd, UFFDIO_UNREGISTER, &r) ? -errno : 0;
}

static int uffd_pidfd_open(pid_t pid)
{
	long fd = syscall(SYS_pidfd_open, pid, 0);

	return fd < 0 ? -errno : (int)fd;
}

static int uffd_pidfd_getfd(int pidfd, int fd)
{
	long nfd = syscall(SYS_pidfd_getfd, pidfd, fd, 0);

	return nfd < 0 ? -errno : (int)nfd;
}

int uffd_steal_fd(pid_t pid, int fd)
{
	int pidfd, nfd;

	pidfd = uffd_pidfd_open(pid);
	if (pidfd < 0)
		return pidfd;
	nfd = uffd_pidfd_getfd(pidfd, fd);
	close(pidfd);
	return nfd;
}

int uffd_is_uffd(int fd)
{
	char path[64], link[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return -errno;
	link[n] = '\0';
	return strcmp(link, "anon_inode:[userfaultfd]") == 0;
}
