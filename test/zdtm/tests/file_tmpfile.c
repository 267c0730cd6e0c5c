/*
 * An O_TMPFILE file keeps its content and offset, has no name, and can still
 * be given one with linkat(2) through /proc/self/fd after restore.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zdtmtst.h"

#define SIZE 20000

int main(int argc, char **argv)
{
	static char buf[SIZE];
	char path[64];
	struct stat st;
	int fd, n;

	test_init(argc, argv);
	fd = open(test_path(""), O_TMPFILE | O_RDWR, 0640);
	if (fd < 0)
		test_skip("O_TMPFILE: %m");
	mem_fill(buf, SIZE, 71);
	if (write(fd, buf, SIZE) != SIZE)
		fail("write: %m");
	lseek(fd, 999, SEEK_SET);
	test_daemon();
	test_waitsig();

	if (fstat(fd, &st) || st.st_size != SIZE || st.st_nlink != 0 ||
	    (st.st_mode & 07777) != 0640)
		fail("size %lld nlink %lu mode 0%o, expected %d, 0, 0640", (long long)st.st_size,
		     (unsigned long)st.st_nlink, st.st_mode & 07777, SIZE);
	if (lseek(fd, 0, SEEK_CUR) != 999)
		fail("offset %lld, expected 999", (long long)lseek(fd, 0, SEEK_CUR));
	if ((fcntl(fd, F_GETFL) & O_ACCMODE) != O_RDWR)
		fail("flags 0%o", fcntl(fd, F_GETFL));
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (linkat(AT_FDCWD, path, AT_FDCWD, test_path("named.file"), AT_SYMLINK_FOLLOW)) {
		fail("linkat of the O_TMPFILE file: %m");
	} else {
		int l = open(test_path("named.file"), O_RDONLY);

		n = l < 0 ? -1 : (int)read(l, buf, SIZE);
		if (n != SIZE)
			fail("read through the new name: %d (%m)", n);
		else
			mem_check("O_TMPFILE content", buf, SIZE, 71);
		unlink(test_path("named.file")); /* as dumped (leave mode) */
		if (l >= 0)
			close(l);
	}
	return test_done();
}
