/*
 * A container as runc makes one, without runc (test/cr/mnt-container.sh):
 * new mount, pid, uts and ipc namespaces; ROOTFS bound and pivoted into
 * with proc, a /dev tmpfs holding null/zero/tty nodes, devpts (new instance)
 * with /dev/ptmx to it, a /dev/shm tmpfs holding a file, mqueue, sysfs
 * read-only, /proc/sys a read-only bind, /proc/keys masked by /dev/null,
 * /proc/acpi (if any) by a read-only tmpfs. Its init counts into
 * /dev/shm/count, holds a pty pair of its devpts, and on SIGUSR1 checks all
 * of that and writes "PASS" or "FAIL: what" into /dev/shm/result.
 *   usage: mnt_container ROOTFS [pty] [bind=HOSTDIR] [cgroup=DIR]
 * After the pivot it runs ROOTFS/bin/mnt_container (with its libraries in
 * ROOTFS, as a container's programs are), which the test copied there.
 * pty: hold a pty pair of its devpts (checked, with /dev/pts/0, after
 * restore); bind=HOSTDIR: HOSTDIR bound on /data (an external mount), whose
 * file "f" must read "external\n"; cgroup=DIR: as runc on a v1 host, a
 * tmpfs on /sys/fs/cgroup with cgroup2 on its unified/ and the host's
 * pids cgroup DIR bound read-only on its pids/ (a cgroup's directory).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#define DATA "known contents of the shm tmpfs\n"

static volatile sig_atomic_t check;
static char why[512];
static int with_pty;
static const char *hostdir, *cgdir;

static void on_usr1(int sig)
{
	(void)sig;
	check = 1;
}

static void die(const char *what)
{
	fprintf(stderr, "mnt_container: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void mnt(const char *src, const char *dst, const char *type, unsigned long fl,
		const char *opts)
{
	if (mount(src, dst, type, fl, opts))
		die(dst);
}

static void build(const char *root)
{
	mnt(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
	mnt(root, root, NULL, MS_BIND | MS_REC, NULL);
	if (chdir(root))
		die("chdir rootfs");
	mnt("proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	mnt("tmpfs", "dev", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k");
	if (mknod("dev/null", S_IFCHR | 0666, makedev(1, 3)) ||
	    mknod("dev/zero", S_IFCHR | 0666, makedev(1, 5)) ||
	    mknod("dev/tty", S_IFCHR | 0666, makedev(5, 0)) || mkdir("dev/pts", 0755) ||
	    mkdir("dev/shm", 01777) || mkdir("dev/mqueue", 0755) || symlink("pts/ptmx", "dev/ptmx"))
		die("populating /dev");
	mnt("devpts", "dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
	    "newinstance,ptmxmode=0666,mode=0620,gid=5");
	mnt("shm", "dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=65536k");
	mnt("mqueue", "dev/mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	mnt("sysfs", "sys", "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	mnt("proc/sys", "proc/sys", NULL, MS_BIND | MS_REC, NULL);
	mnt(NULL, "proc/sys", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL);
	mnt("dev/null", "proc/keys", NULL, MS_BIND, NULL);
	if (cgdir) {
		char src[256];

		snprintf(src, sizeof(src), "/sys/fs/cgroup/pids/%s", cgdir);
		mnt("tmpfs", "sys/fs/cgroup", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		    "mode=755");
		if (mkdir("sys/fs/cgroup/unified", 0755) || mkdir("sys/fs/cgroup/pids", 0755))
			die("cgroup directories");
		mnt("cgroup2", "sys/fs/cgroup/unified", "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		    NULL);
		mnt(src, "sys/fs/cgroup/pids", NULL, MS_BIND, NULL);
		mnt(NULL, "sys/fs/cgroup/pids", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL);
	}
	if (hostdir && (mkdir("data", 0755) || mount(hostdir, "data", NULL, MS_BIND, NULL)))
		die("bind=HOSTDIR on /data");
	if (!access("proc/acpi", F_OK))
		mnt("tmpfs", "proc/acpi", "tmpfs", MS_RDONLY, NULL);
	if (syscall(SYS_pivot_root, ".", ".") || umount2(".", MNT_DETACH) || chdir("/"))
		die("pivot_root");
}

static int put(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ssize_t n = fd < 0 ? -1 : write(fd, text, strlen(text));

	if (fd >= 0)
		close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond) && !why[0])                                                            \
			snprintf(why, sizeof(why), __VA_ARGS__);                                   \
	} while (0)

static void verify(int mfd, int sfd)
{
	char buf[256] = "";
	struct stat st;
	struct statfs sf;
	struct statvfs vf;
	int fd = open("/dev/shm/data", O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	CHECK(n == (ssize_t)strlen(DATA) && !strncmp(buf, DATA, strlen(DATA)),
	      "/dev/shm/data: '%s'", n < 0 ? strerror(errno) : buf);
	CHECK(!statfs("/dev/shm", &sf) && sf.f_type == 0x01021994, "/dev/shm is not a tmpfs");
	CHECK(!stat("/dev/null", &st) && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3),
	      "/dev/null is not the null device");
	CHECK(!stat("/proc/keys", &st) && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3),
	      "/proc/keys is not masked by /dev/null");
	fd = open("/proc/sys/kernel/hostname", O_WRONLY);
	CHECK(fd < 0 && errno == EROFS, "/proc/sys is writable (%s)", strerror(errno));
	CHECK(!statvfs("/sys", &vf) && (vf.f_flag & ST_RDONLY), "/sys is not read-only");
	CHECK(!statfs("/dev/mqueue", &sf) && sf.f_type == 0x19800202, "/dev/mqueue is not mqueue");
	CHECK(!statfs("/proc/acpi", &sf) && (sf.f_type == 0x01021994 || errno == ENOENT),
	      "/proc/acpi is not a tmpfs");
	n = readlink("/proc/self", buf, sizeof(buf) - 1);
	CHECK(n == 1 && buf[0] == '1', "/proc/self is not 1: the proc of another pid namespace");
	if (with_pty) {
		CHECK(write(mfd, "ping\n", 5) == 5, "pty: write to the master: %s",
		      strerror(errno));
		n = read(sfd, buf, sizeof(buf) - 1);
		CHECK(n == 5 && !strncmp(buf, "ping\n", 5), "pty: the slave read %zd bytes", n);
		CHECK(!stat("/dev/pts/0", &st) && S_ISCHR(st.st_mode), "/dev/pts/0 is not there");
	}
	if (cgdir) {
		CHECK(!statfs("/sys/fs/cgroup/unified", &sf) && sf.f_type == 0x63677270,
		      "/sys/fs/cgroup/unified is not cgroup2");
		CHECK(!access("/sys/fs/cgroup/pids/pids.max", F_OK),
		      "/sys/fs/cgroup/pids is not a pids cgroup's directory (no pids.max)");
		CHECK(!statvfs("/sys/fs/cgroup/pids", &vf) && (vf.f_flag & ST_RDONLY),
		      "/sys/fs/cgroup/pids is not read-only");
	}
	if (hostdir) {
		fd = open("/data/f", O_RDONLY);
		n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
		if (fd >= 0)
			close(fd);
		CHECK(n == 9 && !strncmp(buf, "external\n", 9), "/data/f: not the external file");
	}
	put("/dev/shm/result", why[0] ? why : "PASS");
}

static void run(void)
{
	int mfd = -1, sfd = -1;
	unsigned long count = 0;
	char buf[64];

	if (put("/dev/shm/data", DATA))
		die("/dev/shm/data");
	if (with_pty) {
		mfd = open("/dev/ptmx", O_RDWR | O_NOCTTY);
		if (mfd < 0 || grantpt(mfd) || unlockpt(mfd))
			die("/dev/ptmx");
		sfd = open(ptsname(mfd), O_RDWR | O_NOCTTY);
		if (sfd < 0)
			die("the pty slave");
	}
	for (;;) {
		snprintf(buf, sizeof(buf), "%lu\n", ++count);
		put("/dev/shm/count.new", buf);
		rename("/dev/shm/count.new", "/dev/shm/count");
		if (check) {
			check = 0;
			verify(mfd, sfd);
		}
		usleep(20000);
	}
}

int main(int argc, char **argv)
{
	pid_t kid;
	int st;

	if (argc < 2)
		return 2;
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "pty"))
			with_pty = 1;
		else if (!strncmp(argv[i], "bind=", 5))
			hostdir = argv[i] + 5;
		else if (!strncmp(argv[i], "cgroup=", 7))
			cgdir = argv[i] + 7;
		else
			return 2;
	}
	signal(SIGUSR1, on_usr1);
	if (!strcmp(argv[1], "--inner")) {
		hostdir = hostdir ? "/data" : NULL; /* seen from inside */
		run();
	}
	if (unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC))
		die("unshare");
	kid = fork();
	if (kid < 0)
		die("fork");
	if (kid == 0) {
		build(argv[1]);
		sethostname("crl-ct", 6);
		argv[1] = (char *)"--inner";
		execv("/bin/mnt_container", argv);
		die("exec /bin/mnt_container");
	}
	waitpid(kid, &st, 0);
	return 0;
}
