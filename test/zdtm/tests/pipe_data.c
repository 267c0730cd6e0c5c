/* Data buffered in a pipe survives; the O_NONBLOCK flag of the read end too. */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "zdtmtst.h"

#define SIZE 40000

int main(int argc, char **argv)
{
	static char buf[SIZE], back[SIZE + 1];
	ssize_t n, got = 0;
	int p[2];

	test_init(argc, argv);
	mem_fill(buf, SIZE, 101);
	if (pipe2(p, O_NONBLOCK) || write(p[1], buf, SIZE) != SIZE)
		fail("fill the pipe: %m");
	fcntl(p[1], F_SETFL, 0); /* only the read end stays non-blocking */
	test_daemon();
	test_waitsig();

	if (!(fcntl(p[0], F_GETFL) & O_NONBLOCK))
		fail("read end lost O_NONBLOCK");
	if (fcntl(p[1], F_GETFL) & O_NONBLOCK)
		fail("write end gained O_NONBLOCK");
	while (got < SIZE + 1 && (n = read(p[0], back + got, SIZE + 1 - got)) > 0)
		got += n;
	if (got != SIZE)
		fail("read %zd bytes from the pipe, expected %d (errno %d)", got, SIZE, errno);
	else
		mem_check("pipe data", back, SIZE, 101);
	return test_done();
}
