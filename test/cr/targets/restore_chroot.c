/*
 * Restore target: a process that chrooted into ROOT and works in ROOT/sub.
 * Before chroot it keeps a descriptor of RESULT's directory (to report
 * through) and notes the device and inode of ROOT and ROOT/sub. Writes
 * RESULT.ready; on SIGUSR1 it checks that "/" and "/.." are ROOT, that "."
 * is ROOT/sub and getcwd() says "/sub", then writes "PASS" or "FAIL: why"
 * to RESULT.
 *
 * usage: restore_chroot RESULT ROOT   (ROOT/sub must exist)
 */
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static volatile sig_atomic_t check_now;

static void on_usr1(int sig)
{
	(void)sig;
	check_now = 1;
}

/* Writes @text to @name in @dirfd atomically (the script waits for a non-empty file). */
static int put(int dirfd, const char *name, const char *text)
{
	char tmp[300];
	int fd, ok;

	snprintf(tmp, sizeof(tmp), "%s.tmp", name);
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
	close(fd);
	return ok ? renameat(dirfd, tmp, dirfd, name) : -1;
}

static int same(const char *path, const struct stat *want, char *why, size_t len)
{
	struct stat st;

	if (stat(path, &st)) {
		snprintf(why, len, "FAIL: stat '%s': %m\n", path);
		return 0;
	}
	if (st.st_dev == want->st_dev && st.st_ino == want->st_ino)
		return 1;
	snprintf(why, len, "FAIL: '%s' is dev %lu ino %lu, expected dev %lu ino %lu\n", path,
		 (unsigned long)st.st_dev, (unsigned long)st.st_ino, (unsigned long)want->st_dev,
		 (unsigned long)want->st_ino);
	return 0;
}

static void check(int dirfd, const char *name, const struct stat *root, const struct stat *sub)
{
	char why[512] = "PASS\n", cwd[256];

	if (same("/", root, why, sizeof(why)) && same("/..", root, why, sizeof(why)) &&
	    same(".", sub, why, sizeof(why))) {
		if (!getcwd(cwd, sizeof(cwd)))
			snprintf(why, sizeof(why), "FAIL: getcwd: %m\n");
		else if (strcmp(cwd, "/sub"))
			snprintf(why, sizeof(why), "FAIL: getcwd says '%s', expected '/sub'\n",
				 cwd);
	}
	put(dirfd, name, why);
}

int main(int argc, char **argv)
{
	char res_dir[512], res_name[256], ready[300], sub_path[600];
	struct stat root, sub;
	sigset_t none;
	int dirfd;

	if (argc < 3)
		return 2;
	snprintf(res_dir, sizeof(res_dir), "%s", argv[1]);
	snprintf(res_name, sizeof(res_name), "%s", basename(argv[1]));
	snprintf(ready, sizeof(ready), "%s.ready", res_name);
	snprintf(sub_path, sizeof(sub_path), "%s/sub", argv[2]);
	dirfd = open(dirname(res_dir), O_RDONLY | O_DIRECTORY);
	if (dirfd < 0 || stat(argv[2], &root) || stat(sub_path, &sub))
		return 2;
	signal(SIGUSR1, on_usr1);
	if (chroot(argv[2]) || chdir("/sub") || put(dirfd, ready, "1\n"))
		return 2;
	sigemptyset(&none);
	for (;;) {
		sigset_t usr1, old;

		sigemptyset(&usr1);
		sigaddset(&usr1, SIGUSR1);
		sigprocmask(SIG_BLOCK, &usr1, &old);
		while (!check_now)
			sigsuspend(&none);
		check_now = 0;
		sigprocmask(SIG_SETMASK, &old, NULL);
		check(dirfd, res_name, &root, &sub);
	}
}
