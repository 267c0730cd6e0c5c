/*
 * An open file whose name was unlinked while another hard link remains is the
 * same inode after restore: what it reads and writes is seen through the link
 * (also mapped through that link, which must survive the restore).
 */
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zdtmtst.h"

int main(int argc, char **argv)
{
	char buf[16] = "";
	struct stat st, lst;
	char *map;
	int fd, mfd;

	test_init(argc, argv);
	fd = open(test_path("gone.file"), O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, "0123456789", 10) != 10)
		fail("write the file: %m");
	if (link(test_path("gone.file"), test_path("kept.link")) || unlink(test_path("gone.file")))
		fail("link/unlink: %m");
	lseek(fd, 3, SEEK_SET);
	mfd = open(test_path("kept.link"), O_RDONLY);
	map = mfd < 0 ? MAP_FAILED : mmap(NULL, 4096, PROT_READ, MAP_SHARED, mfd, 0);
	if (map == MAP_FAILED)
		fail("map the link: %m");
	close(mfd);
	test_daemon();
	test_waitsig();

	if (fstat(fd, &st) || stat(test_path("kept.link"), &lst))
		fail("stat: %m");
	else if (st.st_ino != lst.st_ino || st.st_dev != lst.st_dev)
		fail("fd is inode %lu, the remaining link is inode %lu: a copy",
		     (unsigned long)st.st_ino, (unsigned long)lst.st_ino);
	else if (st.st_nlink != 1)
		fail("nlink %lu, expected 1", (unsigned long)st.st_nlink);
	if (lseek(fd, 0, SEEK_CUR) != 3)
		fail("offset %lld, expected 3", (long long)lseek(fd, 0, SEEK_CUR));
	if (write(fd, "ab", 2) != 2)
		fail("write: %m");
	{
		int l = open(test_path("kept.link"), O_RDONLY);

		if (l < 0 || read(l, buf, 10) != 10 || memcmp(buf, "012ab56789", 10))
			fail("through the link: '%.10s', expected '012ab56789'", buf);
		if (l >= 0)
			close(l);
	}
	if (map != MAP_FAILED && memcmp(map, "012ab56789", 10))
		fail("through the mapping: '%.10s', expected '012ab56789'", map);
	if (pwrite(fd, "34", 2, 3) != 2) /* leave it as dumped (leave mode) */
		fail("pwrite: %m");
	if (access(test_path("gone.file"), F_OK) == 0)
		fail("the unlinked name exists again");
	return test_done();
}
