/*
 * A tmpfs's files, as CRIU keeps them: tmpfs-dev-N.tar.gz.img, a gzip'ed
 * tar (GNU tar, numeric owners, extended attributes and ACLs), N the
 * kernel's number of its device. Read from a detached copy of the mount
 * (open_tree), so what the tree's submounts hide is kept too, and so that
 * the tar of the tool's root runs, not one of the tree's.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dump-ns.h"
#include "dump.h"
#include "log.h"
#include "mount-api.h"

/* In the forked helper: into @pid's mount namespace for the copy, back for tar. */
static void __attribute__((noreturn))
dump_tmpfs_child(int root, int ns, int self, const char *mp, int out)
{
	char dir[64];
	int tree;

	if (setns(ns, CLONE_NEWNS))
		_exit(120);
	tree = mount_api_clone(root, mp[1] ? mp + 1 : ".");
	if (tree < 0)
		_exit(121);
	/* a working directory with a path (tar's compressor asks for it) */
	if (setns(self, CLONE_NEWNS) || chdir("/") || fcntl(tree, F_SETFD, 0))
		_exit(122);
	if (dup2(out, STDOUT_FILENO) < 0)
		_exit(123);
	snprintf(dir, sizeof(dir), "--directory=/proc/self/fd/%d", tree);
	execlp("tar", "tar", "--create", "--gzip", "--numeric-owner", "--xattrs", "--acls",
	       "--sparse", "--file=-", dir, ".", (char *)NULL);
	_exit(127);
}

static int dump_tmpfs_run(pid_t pid, const char *mp, int out)
{
	char path[64];
	int root, ns, self, status = 0, ret = 0;
	pid_t kid;

	snprintf(path, sizeof(path), "/proc/%d/root", (int)pid);
	root = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)pid);
	ns = open(path, O_RDONLY | O_CLOEXEC);
	self = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	if (root < 0 || ns < 0 || self < 0)
		ret = -errno;
	kid = ret ? 0 : fork();
	if (kid == 0 && !ret)
		dump_tmpfs_child(root, ns, self, mp, out);
	if (kid < 0)
		ret = -errno;
	if (kid > 0 && waitpid(kid, &status, 0) < 0)
		ret = -errno;
	else if (kid > 0 && (!WIFEXITED(status) || WEXITSTATUS(status)))
		ret = -EIO;
	if (kid > 0 && ret == -EIO)
		pr_err("dump: the files of tmpfs '%s' of pid %d: tar (or its setup, exit %d) "
		       "failed",
		       mp, pid, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	if (root >= 0)
		close(root);
	if (ns >= 0)
		close(ns);
	if (self >= 0)
		close(self);
	return ret;
}

int dump_mnt_tmpfs(struct dump_ctx *ctx, pid_t pid, const char *mp, unsigned long dev)
{
	struct img *img;
	int ret = img_open(&ctx->dir, IMG_TMPFS_DEV, dev, true, &img);

	if (ret)
		return ret;
	ret = dump_tmpfs_run(pid, mp, img->fd);
	if (ret && ret != -EIO)
		pr_err("dump: the files of tmpfs '%s' of pid %d: %s", mp, pid, strerror(-ret));
	return img_close(img) ?: ret;
}
