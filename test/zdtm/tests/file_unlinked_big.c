/* An unlinked file of 72 MiB of data (over the old 64 MiB ghost limit) keeps its content. */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zdtmtst.h"

#define MB (1L << 20)
#define SIZE (72 * MB)

int main(int argc, char **argv)
{
	static char buf[MB];
	struct stat st;
	int fd;

	test_init(argc, argv);
	fd = open(test_path("big.file"), O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		fail("create: %m");
	for (long i = 0; i < SIZE / MB; i++) {
		mem_fill(buf, MB, 500 + i);
		if (write(fd, buf, MB) != MB)
			fail("write: %m");
	}
	if (unlink(test_path("big.file")))
		fail("unlink: %m");
	lseek(fd, 12345, SEEK_SET);
	test_daemon();
	test_waitsig();

	if (fstat(fd, &st) || st.st_size != SIZE || st.st_nlink != 0)
		fail("size %lld nlink %lu, expected %ld and 0 (%m)", (long long)st.st_size,
		     (unsigned long)st.st_nlink, SIZE);
	if (lseek(fd, 0, SEEK_CUR) != 12345)
		fail("offset %lld, expected 12345", (long long)lseek(fd, 0, SEEK_CUR));
	for (long i = 0; i < SIZE / MB; i++) {
		if (pread(fd, buf, MB, i * MB) != MB) {
			fail("pread at %ld MiB: %m", i);
			break;
		}
		mem_check("big unlinked file", buf, MB, 500 + i);
	}
	return test_done();
}
