/*
 * Regular file offsets survive: after write, after read, after lseek, and
 * the offset shared by dup()ed descriptors stays shared.
 */
#include <fcntl.h>
#include <unistd.h>

#include "zdtmtst.h"

#define SIZE 20000

static void check_off(const char *what, int fd, off_t want)
{
	off_t now = lseek(fd, 0, SEEK_CUR);

	if (now != want)
		fail("%s (fd %d): offset %lld, expected %lld", what, fd, (long long)now,
		     (long long)want);
}

int main(int argc, char **argv)
{
	static char buf[SIZE], back[SIZE];
	int wfd, rfd, sfd, dfd;

	test_init(argc, argv);
	mem_fill(buf, SIZE, 71);
	wfd = open(test_path("offsets.file"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (wfd < 0 || write(wfd, buf, SIZE) != SIZE)
		fail("write the file: %m");
	rfd = open(test_path("offsets.file"), O_RDONLY);
	if (rfd < 0 || read(rfd, back, 1234) != 1234)
		fail("read the file: %m");
	sfd = open(test_path("offsets.file"), O_RDWR);
	lseek(sfd, 7777, SEEK_SET);
	dfd = dup(sfd);
	test_daemon();
	test_waitsig();

	check_off("after write", wfd, SIZE);
	check_off("after read", rfd, 1234);
	check_off("after lseek", sfd, 7777);
	check_off("dup of the lseek fd", dfd, 7777);
	if (read(rfd, back + 1234, SIZE - 1234) != SIZE - 1234)
		fail("read the rest at the restored offset: %m");
	else
		mem_check("file contents read through fd", back, SIZE, 71);
	lseek(sfd, 100, SEEK_SET);
	check_off("dup after lseek on its twin: offset not shared", dfd, 100);
	return test_done();
}
