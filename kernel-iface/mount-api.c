#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "mount-api.h"

#ifndef SYS_open_tree
#define SYS_open_tree 428
#endif
#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif
#ifndef SYS_move_mount
#define SYS_move_mount 429
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif
#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif

/* struct mount_attr (linux/mount.h, MOUNT_ATTR_SIZE_VER0) */
struct mount_api_attr {
	uint64_t attr_set, attr_clr, propagation, userns_fd;
};

int mount_api_clone(int dfd, const char *path)
{
	long fd = syscall(SYS_open_tree, dfd, path, OPEN_TREE_CLONE | O_CLOEXEC);

	return fd < 0 ? -errno : (int)fd;
}

int mount_api_setattr(int fd, uint64_t set, uint64_t clr, uint64_t propagation)
{
	struct mount_api_attr a;

	memset(&a, 0, sizeof(a));
	a.attr_set = set;
	a.attr_clr = clr;
	a.propagation = propagation;
	if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH, &a, sizeof(a)))
		return -errno;
	return 0;
}

int mount_api_move(int fd, const char *to)
{
	if (syscall(SYS_move_mount, fd, "", AT_FDCWD, to, MOVE_MOUNT_F_EMPTY_PATH))
		return -errno;
	return 0;
}
