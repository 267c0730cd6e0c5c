/*
 * O_PATH descriptors: one on a file, one O_PATH|O_NOFOLLOW on a symlink (the
 * link itself, not its target). After restore both keep their flags, point
 * at the same paths, and fstatat(fd, "", AT_EMPTY_PATH) gives the file and
 * the symlink.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zdtmtst.h"

static void check_link(int fd, const char *want)
{
	char link[64], got[4096];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, got, sizeof(got) - 1);
	got[n < 0 ? 0 : n] = '\0';
	if (strcmp(got, want))
		fail("fd %d points at '%s', expected '%s'", fd, got, want);
}

int main(int argc, char **argv)
{
	char file[4096], sym[4096];
	struct stat st, fst, lst;
	int f, l;

	test_init(argc, argv);
	snprintf(file, sizeof(file), "%s", test_path("target.file"));
	snprintf(sym, sizeof(sym), "%s", test_path("the.symlink"));
	close(open(file, O_WRONLY | O_CREAT, 0600));
	if (symlink(file, sym))
		fail("symlink: %m");
	f = open(file, O_PATH);
	l = open(sym, O_PATH | O_NOFOLLOW);
	if (f < 0 || l < 0 || stat(file, &fst) || lstat(sym, &lst))
		fail("open O_PATH: %m");
	test_daemon();
	test_waitsig();

	if ((fcntl(f, F_GETFL) & ~O_LARGEFILE) != O_PATH)
		fail("file fd flags 0%o, expected O_PATH", fcntl(f, F_GETFL));
	if ((fcntl(l, F_GETFL) & ~O_LARGEFILE) != (O_PATH | O_NOFOLLOW))
		fail("symlink fd flags 0%o, expected O_PATH|O_NOFOLLOW", fcntl(l, F_GETFL));
	check_link(f, file);
	check_link(l, sym);
	if (fstatat(f, "", &st, AT_EMPTY_PATH) || !S_ISREG(st.st_mode) || st.st_ino != fst.st_ino)
		fail("file fd: mode 0%o inode %lu, expected a regular file, inode %lu", st.st_mode,
		     (unsigned long)st.st_ino, (unsigned long)fst.st_ino);
	if (fstatat(l, "", &st, AT_EMPTY_PATH) || !S_ISLNK(st.st_mode) || st.st_ino != lst.st_ino)
		fail("symlink fd: mode 0%o inode %lu, expected the symlink, inode %lu", st.st_mode,
		     (unsigned long)st.st_ino, (unsigned long)lst.st_ino);
	if (read(f, &st, 1) != -1)
		fail("read on an O_PATH fd worked");
	return test_done();
}
