/* An O_APPEND descriptor keeps the flag and its offset; writes still go to the end. */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zdtmtst.h"

int main(int argc, char **argv)
{
	static char buf[5000];
	struct stat st;
	off_t off;
	int fd, fl;

	test_init(argc, argv);
	mem_fill(buf, sizeof(buf), 81);
	fd = open(test_path("append.file"), O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (fd < 0 || write(fd, buf, sizeof(buf)) != sizeof(buf))
		fail("write the file: %m");
	lseek(fd, 10, SEEK_SET); /* allowed; the next write still appends */
	test_daemon();
	test_waitsig();

	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || !(fl & O_APPEND) || (fl & O_ACCMODE) != O_WRONLY)
		fail("flags 0%o, expected O_WRONLY|O_APPEND", fl);
	off = lseek(fd, 0, SEEK_CUR);
	if (off != 10)
		fail("offset %lld, expected 10", (long long)off);
	if (write(fd, "tail", 4) != 4 || fstat(fd, &st))
		fail("write after restore: %m");
	else if (st.st_size != (off_t)sizeof(buf) + 4)
		fail("write did not append: size %lld, expected %zu", (long long)st.st_size,
		     sizeof(buf) + 4);
	if (ftruncate(fd, sizeof(buf))) /* leave the file as it was dumped */
		fail("ftruncate: %m");
	return test_done();
}
