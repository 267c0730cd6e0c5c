/*
 * Builds a restored mount namespace in the new root, after
 * unshare(CLONE_NEWNS) and before its children (docs/containers.md). Every
 * mount is made private; with --root that path is bound on itself and the
 * tree is built under it, then pivoted into (the tool's mounts detached);
 * without, the tree's own mounts go on the tool's copy. Each mount, parents
 * first: a bind of a host path (external) or of a path of the tree, or made
 * anew (a tmpfs filled from its tar, GNU tar run from the tool's root, before
 * the pivot). Then each gets its recorded flags and propagation. Runs in the
 * child: no log.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mount-api.h"
#include "restore-mnt.h"

/* Per-mount MS_* flags -> MNT_ATTR_* */
static uint64_t rst_mnt_attrs(unsigned long f)
{
	uint64_t a = 0;

	a |= f & MS_RDONLY ? MNT_ATTR_RDONLY : 0;
	a |= f & MS_NOSUID ? MNT_ATTR_NOSUID : 0;
	a |= f & MS_NODEV ? MNT_ATTR_NODEV : 0;
	a |= f & MS_NOEXEC ? MNT_ATTR_NOEXEC : 0;
	a |= f & MS_NODIRATIME ? MNT_ATTR_NODIRATIME : 0;
	/* mountinfo shows "relatime" or "noatime"; neither is strict atime */
	if (f & MS_NOATIME)
		a |= MNT_ATTR_NOATIME;
	else if (!(f & MS_RELATIME))
		a |= MNT_ATTR_STRICTATIME;
	return a;
}

/* Makes the mount point @path when missing: a directory, or a file for a file's bind. */
static int rst_mnt_point(const char *path, const char *src)
{
	struct stat st;
	int fd;

	if (!lstat(path, &st))
		return 0;
	if (errno != ENOENT)
		return -errno;
	if (!src || stat(src, &st) || S_ISDIR(st.st_mode))
		return mkdir(path, 0755) ? -errno : 0;
	fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/* Fills the tmpfs on @path from tmpfs-dev-@dev.tar.gz.img with tar. */
static int rst_mnt_untar(const struct rst_mnt *mnt, const char *path, unsigned long dev)
{
	char name[64];
	int fd, status;
	pid_t kid;

	snprintf(name, sizeof(name), "tmpfs-dev-%lu.tar.gz.img", dev);
	fd = openat(mnt->dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	kid = fork();
	if (kid == 0) {
		if (dup2(fd, STDIN_FILENO) < 0 || chdir(path))
			_exit(126);
		execlp("tar", "tar", "--extract", "--gzip", "--numeric-owner", "--same-owner",
		       "--same-permissions", "--xattrs", "--acls", "--file=-", (char *)NULL);
		_exit(127);
	}
	close(fd);
	if (kid < 0)
		return -errno;
	if (waitpid(kid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -EIO;
}

/* A new mount of @it's file system on @path; only its directory @it->subdir when set. */
static int rst_mnt_fresh(const struct rst_mnt *mnt, const struct rst_mnt_item *it, const char *path,
			 const char **what)
{
	bool tmpfs = it->tmpfs;
	unsigned long ro = it->sb_ro && !tmpfs ? MS_RDONLY : 0;
	int ret, tree;

	*what = "mounting a file system anew";
	if (it->devpts >= 0) /* the tool made it, with the tree's ptys */
		return mount_api_move(it->devpts, path);
	if (mount(it->src, path, it->fstype, ro, it->options[0] ? it->options : NULL))
		return -errno;
	if (tmpfs) {
		*what = "filling a tmpfs from its tar (tmpfs-dev-N.tar.gz.img)";
		ret = rst_mnt_untar(mnt, path, it->dev);
		if (!ret && it->sb_ro &&
		    mount(NULL, path, NULL, MS_REMOUNT | MS_RDONLY, it->options))
			ret = -errno;
		if (ret)
			return ret;
	}
	if (!it->subdir)
		return 0;
	/* only the mount's directory: a copy of it replaces the whole */
	*what = "mounting a directory of a file system (its root) in place of the whole";
	{
		char sub[PATH_MAX];

		snprintf(sub, sizeof(sub), "%s%s", path, it->subdir);
		tree = mount_api_clone(AT_FDCWD, sub);
	}
	if (tree < 0)
		return tree;
	ret = umount2(path, MNT_DETACH) ? -errno : mount_api_move(tree, path);
	close(tree);
	return ret;
}

/* Makes item @it on @path (the tree's root @at prefixed); its fd in *@fd. */
static int rst_mnt_make(const struct rst_mnt *mnt, const struct rst_mnt_item *it, const char *at,
			int *fd, const char **what)
{
	char path[PATH_MAX], src[PATH_MAX];
	int ret;

	snprintf(path, sizeof(path), "%s%s", at, it->mountpoint);
	if (it->how == MNTNS_BIND)
		snprintf(src, sizeof(src), "%s%s", at, it->src);
	else if (it->src)
		snprintf(src, sizeof(src), "%s", it->src);
	*what = "making a mount point";
	ret = rst_mnt_point(path, it->how == MNTNS_FRESH ? NULL : src);
	if (!ret && it->how == MNTNS_FRESH) {
		ret = rst_mnt_fresh(mnt, it, path, what);
	} else if (!ret) {
		*what = it->how == MNTNS_BIND ? "bind mount from the tree"
					      : "bind mount of an external path";
		if (mount(src, path, NULL, MS_BIND, NULL))
			ret = -errno;
	}
	if (ret)
		return ret;
	*fd = open(path, O_PATH | O_CLOEXEC);
	*what = "opening a new mount";
	return *fd < 0 ? -errno : 0;
}

/* The recorded flags and propagation of the mount @fd is on. */
static int rst_mnt_attrs_set(const struct rst_mnt_item *it, int fd)
{
	uint64_t set = rst_mnt_attrs(it->flags);
	uint64_t all = MNT_ATTR_RDONLY | MNT_ATTR_NOSUID | MNT_ATTR_NODEV | MNT_ATTR_NOEXEC |
		       MNT_ATTR_NODIRATIME | MNT_ATTR__ATIME;
	int ret = mount_api_setattr(fd, set, all, 0);

	/* a slave of the peer group its source is in here (external, root); shared anew */
	if (!ret && it->master)
		ret = mount_api_setattr(fd, 0, 0, MS_SLAVE);
	if (!ret && it->shared)
		ret = mount_api_setattr(fd, 0, 0, MS_SHARED);
	return ret;
}

static int rst_mnt_pivot(const char *root, const char **what)
{
	*what = "pivot_root into the tree";
	if (chdir(root) || syscall(SYS_pivot_root, ".", "."))
		return -errno;
	*what = "detaching the tool's mounts";
	if (umount2(".", MNT_DETACH) || chdir("/"))
		return -errno;
	return 0;
}

int rst_mnt_tree_build(const struct rst_mnt *mnt, const char **what)
{
	const char *at = mnt->root ? mnt->root : "";
	int *fds = calloc(mnt->n + 1, sizeof(*fds));
	int ret = fds ? 0 : -ENOMEM;

	*what = "making every mount private";
	if (!ret && mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		ret = -errno;
	if (!ret && mnt->root && mount(mnt->root, mnt->root, NULL, MS_BIND, NULL)) {
		*what = "binding --root on itself";
		ret = -errno;
	}
	for (size_t i = 0; fds && i < mnt->n; i++)
		fds[i] = -1;
	for (size_t i = 0; !ret && i < mnt->n; i++) {
		const struct rst_mnt_item *it = &mnt->items[i];

		if (it->how == MNTNS_ROOT) {
			*what = "opening --root";
			fds[i] = open(mnt->root, O_PATH | O_CLOEXEC);
			ret = fds[i] < 0 ? -errno : 0;
		} else if (it->how != MNTNS_TOOL) {
			ret = rst_mnt_make(mnt, it, at, &fds[i], what);
		}
		if (ret) { /* this process's own copy: the tool logs it */
			static char msg[512];

			snprintf(msg, sizeof(msg), "mount point '%s': %s", it->mountpoint, *what);
			*what = msg;
		}
	}
	if (!ret)
		*what = "setting a mount's flags and propagation";
	for (size_t i = 0; !ret && i < mnt->n; i++)
		if (fds[i] >= 0)
			ret = rst_mnt_attrs_set(&mnt->items[i], fds[i]);
	for (size_t i = 0; fds && i < mnt->n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(fds);
	if (!ret && mnt->root)
		ret = rst_mnt_pivot(mnt->root, what);
	return ret;
}
