/*
 * An established TCP connection (both ends in the process). criu-lite has
 * no TCP repair and refuses it: the runner then requires the process to run
 * on unharmed. A tool that restores it must keep the connection working.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "zdtmtst.h"

int main(int argc, char **argv)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof(a);
	char buf[8] = "";
	int l, c, s;

	test_init(argc, argv);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM, 0);
	c = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0 || c < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 1) ||
	    getsockname(l, (struct sockaddr *)&a, &len) ||
	    connect(c, (struct sockaddr *)&a, sizeof(a)))
		test_skip("tcp loopback: %m");
	s = accept(l, NULL, NULL);
	if (s < 0)
		test_skip("accept: %m");
	test_daemon();
	test_waitsig();

	if (write(c, "ping", 4) != 4 || read(s, buf, 4) != 4 || memcmp(buf, "ping", 4))
		fail("the connection no longer carries data: %m");
	close(c);
	close(s);
	close(l);
	return test_done();
}
