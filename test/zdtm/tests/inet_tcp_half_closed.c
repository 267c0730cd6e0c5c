/*
 * A half-closed TCP connection (one end shut down for writing: FIN_WAIT2 and
 * CLOSE_WAIT) keeps its half-closed semantics after restore: end of file on
 * one side, data still flowing the other way. An established connection on
 * lower fds restores beside it.
 */
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "zdtmtst.h"

int main(int argc, char **argv)
{
	struct sockaddr_in a;
	char buf[8] = "";
	int l, c, s, e1, e2;

	test_init(argc, argv);
	if (test_tcp_loopback(&l, &c, &a))
		test_skip("tcp loopback: %m");
	e2 = accept(l, NULL, NULL);
	e1 = c;
	c = socket(AF_INET, SOCK_STREAM, 0);
	if (e2 < 0 || c < 0 || connect(c, (struct sockaddr *)&a, sizeof(a)))
		test_skip("second connection: %m");
	s = accept(l, NULL, NULL);
	if (s < 0 || shutdown(c, SHUT_WR))
		test_skip("accept/shutdown: %m");
	usleep(100000);
	test_daemon();
	test_waitsig();

	if (read(s, buf, sizeof(buf)) != 0)
		fail("the accepted end does not see the end of the stream: %m");
	if (write(s, "bye", 3) != 3 || read(c, buf, 3) != 3 || memcmp(buf, "bye", 3))
		fail("data no longer flows towards the half-closed end: %m");
	if (write(e1, "ping", 4) != 4 || read(e2, buf, 4) != 4 || memcmp(buf, "ping", 4))
		fail("the established connection no longer carries data: %m");
	close(e1);
	close(e2);
	close(c);
	close(s);
	close(l);
	return test_done();
}
