/*
 * An unlinked sparse file of 96 MiB (over the old 64 MiB ghost limit) keeps
 * its content and its holes: SEEK_DATA/SEEK_HOLE find the same extents and
 * it occupies about as many blocks as before.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zdtmtst.h"

#define MB (1L << 20)
#define SIZE (96 * MB)
#define CHUNK (256 << 10)

static const off_t at[] = {0, 40 * MB, SIZE - CHUNK};

int main(int argc, char **argv)
{
	static char buf[CHUNK];
	struct stat st0, st;
	int fd;

	test_init(argc, argv);
	fd = open(test_path("sparse.file"), O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || ftruncate(fd, SIZE))
		fail("create: %m");
	for (size_t i = 0; i < 3; i++) {
		mem_fill(buf, CHUNK, 300 + i);
		if (pwrite(fd, buf, CHUNK, at[i]) != CHUNK)
			fail("pwrite: %m");
	}
	if (fstat(fd, &st0) || unlink(test_path("sparse.file")))
		fail("fstat/unlink: %m");
	lseek(fd, 777, SEEK_SET);
	if (lseek(fd, CHUNK, SEEK_HOLE) != CHUNK)
		test_skip("no holes on this file system");
	lseek(fd, 777, SEEK_SET);
	test_daemon();
	test_waitsig();

	if (fstat(fd, &st))
		fail("fstat: %m");
	else if (st.st_size != SIZE || st.st_nlink != 0)
		fail("size %lld nlink %lu, expected %ld and 0", (long long)st.st_size,
		     (unsigned long)st.st_nlink, SIZE);
	else if (st.st_blocks > st0.st_blocks + 2 * CHUNK / 512)
		fail("%lld blocks, %lld before: the holes were filled", (long long)st.st_blocks,
		     (long long)st0.st_blocks);
	if (lseek(fd, 0, SEEK_CUR) != 777)
		fail("offset %lld, expected 777", (long long)lseek(fd, 0, SEEK_CUR));
	for (size_t i = 0; i < 3; i++) {
		off_t d = lseek(fd, i ? at[i - 1] + CHUNK : 0, SEEK_DATA);
		off_t h = lseek(fd, at[i], SEEK_HOLE);

		if (d != at[i] || h != (i == 2 ? SIZE : at[i] + CHUNK))
			fail("extent %zu: data at %lld, hole at %lld; expected %lld..%lld", i,
			     (long long)d, (long long)h, (long long)at[i],
			     (long long)(at[i] + CHUNK));
		if (pread(fd, buf, CHUNK, at[i]) != CHUNK)
			fail("pread: %m");
		else
			mem_check("sparse file extent", buf, CHUNK, 300 + i);
	}
	return test_done();
}
