/* A FIFO opened read-write keeps its path and the data buffered in it. */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zdtmtst.h"

#define SIZE 3000

int main(int argc, char **argv)
{
	static char buf[SIZE], back[SIZE];
	struct stat st;
	int fd;

	test_init(argc, argv);
	mem_fill(buf, SIZE, 111);
	if (mkfifo(test_path("test.fifo"), 0600))
		fail("mkfifo: %m");
	fd = open(test_path("test.fifo"), O_RDWR | O_NONBLOCK);
	if (fd < 0 || write(fd, buf, SIZE) != SIZE)
		fail("fill the fifo: %m");
	test_daemon();
	test_waitsig();

	if (fstat(fd, &st) || !S_ISFIFO(st.st_mode))
		fail("fd %d is no longer a FIFO", fd);
	if (read(fd, back, SIZE) != SIZE)
		fail("read %d bytes from the fifo: %m", SIZE);
	else
		mem_check("fifo data", back, SIZE, 111);
	if (read(fd, back, 1) != -1)
		fail("the fifo has more data than was written");
	return test_done();
}
