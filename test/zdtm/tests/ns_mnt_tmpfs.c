/*
 * Mounts of its own in its own mount namespace (--ns=pid,mnt), made on a
 * private copy of the tool's: a tmpfs with files (contents, a mode, an
 * owner, a symlink, a fifo, a device node, an extended attribute), a file
 * of it hidden under a second tmpfs mounted on its directory, a directory
 * bound from the tool's file system, a directory of the tmpfs bound
 * elsewhere (a bind within the tree), a file bound on a file, and a
 * read-only, nosuid tmpfs, and a shared tmpfs. After restore each is back
 * with its contents, flags and propagation; the hidden file shows again once
 * the tmpfs over it is unmounted.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "zdtmtst.h"

#define TMPFS_MAGIC 0x01021994
#define TEXT "the tmpfs file's contents\n"

static char top[64];

static void path(char *buf, size_t len, const char *rel)
{
	snprintf(buf, len, "%s/%s", top, rel);
}

static int put(const char *rel, const char *text)
{
	char p[256];
	int fd;
	ssize_t n;

	path(p, sizeof(p), rel);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	n = fd < 0 ? -1 : write(fd, text, strlen(text));
	if (fd >= 0)
		close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* The contents of @rel, or "" */
static const char *get(const char *rel)
{
	static char buf[256];
	char p[256];
	int fd;
	ssize_t n;

	path(p, sizeof(p), rel);
	fd = open(p, O_RDONLY);
	n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	if (fd >= 0)
		close(fd);
	return buf;
}

static int mnt(const char *src, const char *rel, const char *type, unsigned long fl,
	       const char *opts)
{
	char p[256], s[256];

	path(p, sizeof(p), rel);
	if (src && src[0] != '/')
		path(s, sizeof(s), src);
	else
		snprintf(s, sizeof(s), "%s", src ? src : "");
	if (mount(src ? s : NULL, p, type, fl, opts)) {
		test_msg("mount %s on %s: %s\n", src ? s : type, p, strerror(errno));
		return -1;
	}
	return 0;
}

static int setup(void)
{
	char p[256];

	snprintf(top, sizeof(top), "ns_mnt_tmpfs.XXXXXX");
	if (!mkdtemp(top))
		return -1;
	for (const char *d = "t\0bind\0src\0ro\0in\0sh\0"; *d; d += strlen(d) + 1) {
		path(p, sizeof(p), d);
		if (mkdir(p, 0755))
			return -1;
	}
	if (put("src/f", "from the tool's fs\n") || put("filedst", "") ||
	    put("src/file", "a file\n"))
		return -1;
	if (mnt("crl-t", "t", "tmpfs", 0, "size=4m,mode=0711"))
		return -1;
	path(p, sizeof(p), "t/sub");
	if (put("t/data", TEXT) || mkdir(p, 0700) || put("t/sub/hidden", "hidden\n") ||
	    put("t/sub/x", "x\n"))
		return -1;
	path(p, sizeof(p), "t/data");
	if (chmod(p, 0640) || chown(p, 1234, 5678) || setxattr(p, "user.crl", "value", 5, 0) < 0)
		return -1;
	path(p, sizeof(p), "t/link");
	if (symlink("data", p))
		return -1;
	path(p, sizeof(p), "t/fifo");
	if (mkfifo(p, 0600))
		return -1;
	path(p, sizeof(p), "t/null");
	if (mknod(p, S_IFCHR | 0666, makedev(1, 3)))
		return -1;
	/* a directory of the tmpfs bound elsewhere, before the tmpfs hides it */
	if (mnt("t/sub", "in", NULL, MS_BIND, NULL))
		return -1;
	if (mnt("crl-over", "t/sub", "tmpfs", 0, "size=1m") || put("t/sub/over", "over\n"))
		return -1;
	if (mnt("src", "bind", NULL, MS_BIND, NULL) ||
	    mnt("src/file", "filedst", NULL, MS_BIND, NULL))
		return -1;
	if (mnt("crl-ro", "ro", "tmpfs", 0, "size=1m") || put("ro/r", "read-only\n") ||
	    mnt(NULL, "ro", NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID, "size=1m"))
		return -1;
	if (mnt("crl-sh", "sh", "tmpfs", 0, "size=1m") || mnt(NULL, "sh", NULL, MS_SHARED, NULL))
		return -1;
	return 0;
}

/* The optional fields ("shared:N") of the mount on @rel, from /proc/self/mountinfo. */
static bool shared(const char *rel)
{
	char cwd[256], want[512], line[1024];
	bool found = false;
	FILE *f = fopen("/proc/self/mountinfo", "r");

	if (!f || !getcwd(cwd, sizeof(cwd)))
		return false;
	snprintf(want, sizeof(want), " %s/%s/%s ", cwd, top, rel);
	while (fgets(line, sizeof(line), f))
		if (strstr(line, want))
			found = strstr(line, " shared:") != NULL; /* the last (top) one */
	fclose(f);
	return found;
}

static void check_flags(const char *rel, bool ro, bool nosuid)
{
	struct statvfs vf;
	struct statfs sf;
	char p[256];

	path(p, sizeof(p), rel);
	if (statvfs(p, &vf) || statfs(p, &sf)) {
		fail("statvfs %s: %m", p);
		return;
	}
	if (sf.f_type != TMPFS_MAGIC)
		fail("%s: file system 0x%lx, want tmpfs", rel, (unsigned long)sf.f_type);
	if (!!(vf.f_flag & ST_RDONLY) != ro || !!(vf.f_flag & ST_NOSUID) != nosuid)
		fail("%s: flags 0x%lx, want ro %d nosuid %d", rel, vf.f_flag, ro, nosuid);
}

static void check(void)
{
	struct stat st;
	char p[256], buf[64];
	ssize_t n;

	if (strcmp(get("t/data"), TEXT))
		fail("t/data: '%s'", get("t/data"));
	path(p, sizeof(p), "t/data");
	if (stat(p, &st) || (st.st_mode & 07777) != 0640 || st.st_uid != 1234 || st.st_gid != 5678)
		fail("t/data: mode 0%o owner %d:%d, want 0640 1234:5678", st.st_mode & 07777,
		     st.st_uid, st.st_gid);
	n = getxattr(p, "user.crl", buf, sizeof(buf));
	if (n != 5 || memcmp(buf, "value", 5))
		fail("t/data: xattr user.crl: %zd bytes", n);
	path(p, sizeof(p), "t/link");
	n = readlink(p, buf, sizeof(buf) - 1);
	if (n != 4 || memcmp(buf, "data", 4))
		fail("t/link: not a symlink to data");
	path(p, sizeof(p), "t/fifo");
	if (lstat(p, &st) || !S_ISFIFO(st.st_mode))
		fail("t/fifo: not a fifo");
	path(p, sizeof(p), "t/null");
	if (lstat(p, &st) || !S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3))
		fail("t/null: not the null device node");
	path(p, sizeof(p), "t");
	if (stat(p, &st) || (st.st_mode & 07777) != 0711)
		fail("t: mode 0%o, want 0711", st.st_mode & 07777);
	check_flags("t", false, false);
	if (strcmp(get("t/sub/over"), "over\n"))
		fail("t/sub: the tmpfs over it lost its file");
	if (strcmp(get("in/hidden"), "hidden\n") || strcmp(get("in/x"), "x\n"))
		fail("in: the bind of t/sub: '%s'", get("in/hidden"));
	if (strcmp(get("bind/f"), "from the tool's fs\n"))
		fail("bind: the bind of src: '%s'", get("bind/f"));
	if (strcmp(get("filedst"), "a file\n"))
		fail("filedst: the bind of src/file: '%s'", get("filedst"));
	if (strcmp(get("ro/r"), "read-only\n"))
		fail("ro/r: '%s'", get("ro/r"));
	check_flags("ro", true, true);
	if (put("ro/new", "x") == 0 || errno != EROFS)
		fail("ro: a file could be made (%m)");
	if (!shared("sh"))
		fail("sh: not a shared mount (its mountinfo has no shared:N)");
	path(p, sizeof(p), "t/sub");
	if (umount2(p, 0))
		fail("umount t/sub: %m");
	else if (strcmp(get("t/sub/hidden"), "hidden\n"))
		fail("t/sub/hidden: under the tmpfs over it: '%s'", get("t/sub/hidden"));
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	if (getpid() != 1)
		test_skip("not the init of a pid namespace (--ns=pid,mnt): pid %d", getpid());
	if (setup()) {
		test_msg("setting up the mounts: %s\n", strerror(errno));
		return 1;
	}
	test_daemon();
	test_waitsig();

	/* the files stay: restores after this check (leave mode) bind from them */
	check();
	return test_done();
}
