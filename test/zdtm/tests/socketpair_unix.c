/* A unix stream socketpair keeps the data queued in both directions. */
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "zdtmtst.h"

int main(int argc, char **argv)
{
	char buf[64];
	int sk[2];

	test_init(argc, argv);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sk))
		test_skip("socketpair: %m");
	if (write(sk[0], "to-one", 6) != 6 || write(sk[1], "to-zero", 7) != 7)
		fail("write: %m");
	test_daemon();
	test_waitsig();

	memset(buf, 0, sizeof(buf));
	if (recv(sk[1], buf, sizeof(buf), MSG_DONTWAIT) != 6 || strcmp(buf, "to-one"))
		fail("sk[1] received '%s', expected 'to-one'", buf);
	memset(buf, 0, sizeof(buf));
	if (recv(sk[0], buf, sizeof(buf), MSG_DONTWAIT) != 7 || strcmp(buf, "to-zero"))
		fail("sk[0] received '%s', expected 'to-zero'", buf);
	/* Still connected to each other. */
	if (write(sk[0], "ping", 4) != 4 || recv(sk[1], buf, 4, MSG_DONTWAIT) != 4 ||
	    memcmp(buf, "ping", 4))
		fail("the pair is no longer connected: %m");
	return test_done();
}
