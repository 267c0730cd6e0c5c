#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
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
#ifndef SYS_fsopen
#define SYS_fsopen 430
#define SYS_fsconfig 431
#define SYS_fsmount 432
#endif
/* linux/mount.h */
#define MOUNT_API_SET_FLAG 0
#define MOUNT_API_SET_STRING 1
#define MOUNT_API_CMD_CREATE 6
#define MOUNT_API_FSOPEN_CLOEXEC 1
#define MOUNT_API_FSMOUNT_CLOEXEC 1
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

/* Each "key=value" or "flag" of @options into the file system context @fs. */
static int mount_api_config(int fs, const char *options)
{
	char *copy = strdup(options), *save = NULL, *kv;
	int ret = copy ? 0 : -ENOMEM;

	for (kv = copy ? strtok_r(copy, ",", &save) : NULL; kv && !ret;
	     kv = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(kv, '=');

		if (eq)
			*eq = 0;
		if (syscall(SYS_fsconfig, fs, eq ? MOUNT_API_SET_STRING : MOUNT_API_SET_FLAG, kv,
			    eq ? eq + 1 : NULL, 0))
			ret = -errno;
	}
	free(copy);
	return ret;
}

int mount_api_fs_new(const char *fstype, const char *source, const char *options)
{
	long fs = syscall(SYS_fsopen, fstype, MOUNT_API_FSOPEN_CLOEXEC), mnt = -1;
	int ret = fs < 0 ? -errno : 0;

	if (!ret && source &&
	    syscall(SYS_fsconfig, (int)fs, MOUNT_API_SET_STRING, "source", source, 0))
		ret = -errno;
	if (!ret)
		ret = mount_api_config((int)fs, options);
	if (!ret && syscall(SYS_fsconfig, (int)fs, MOUNT_API_CMD_CREATE, NULL, NULL, 0))
		ret = -errno;
	if (!ret) {
		mnt = syscall(SYS_fsmount, (int)fs, MOUNT_API_FSMOUNT_CLOEXEC, 0);
		ret = mnt < 0 ? -errno : 0;
	}
	if (fs >= 0)
		close((int)fs);
	return ret ? ret : (int)mnt;
}
