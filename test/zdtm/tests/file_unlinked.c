/* A file that was unlinked while open keeps its contents, offset and nlink 0. */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zdtmtst.h"

#define SIZE 12345

int main(int argc, char **argv)
{
	static char buf[SIZE];
	struct stat st;
	off_t off;
	int fd;

	test_init(argc, argv);
	mem_fill(buf, SIZE, 91);
	fd = open(test_path("unlinked.file"), O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, buf, SIZE) != SIZE)
		fail("write the file: %m");
	lseek(fd, 4321, SEEK_SET);
	if (unlink(test_path("unlinked.file")))
		fail("unlink: %m");
	test_daemon();
	test_waitsig();

	if (fstat(fd, &st))
		fail("fstat: %m");
	else if (st.st_nlink != 0 || st.st_size != SIZE)
		fail("nlink %lu size %lld, expected 0 and %d", (unsigned long)st.st_nlink,
		     (long long)st.st_size, SIZE);
	off = lseek(fd, 0, SEEK_CUR);
	if (off != 4321)
		fail("offset %lld, expected 4321", (long long)off);
	if (pread(fd, buf, SIZE, 0) != SIZE)
		fail("pread: %m");
	else
		mem_check("unlinked file contents", buf, SIZE, 91);
	if (access(test_path("unlinked.file"), F_OK) == 0)
		fail("the unlinked file has a name again");
	return test_done();
}
