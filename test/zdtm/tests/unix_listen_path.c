/*
 * A stream listener bound to a path (mode 0640, backlog 5) and a client
 * connected to it with the accepted socket, data queued both ways. After
 * restore: the names are as the process saw them (listener and accepted
 * socket: the path; client: unnamed, its peer the path), the queued data
 * comes out, the pair still talks, the socket file is a socket with its mode,
 * and a fresh connect() to the path is accepted by the listener.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "zdtmtst.h"

static struct sockaddr_un addr = {.sun_family = AF_UNIX};

/* getsockname (@peer 0) or getpeername of @sk is @want (NULL: unnamed). */
static void check_name(int sk, int peer, const char *want, const char *what)
{
	struct sockaddr_un sa;
	socklen_t len = sizeof(sa);
	int r = peer ? getpeername(sk, (struct sockaddr *)&sa, &len)
		     : getsockname(sk, (struct sockaddr *)&sa, &len);

	if (r) {
		fail("%s: %m", what);
		return;
	}
	if (!want && len != sizeof(sa_family_t))
		fail("%s: expected unnamed, got '%.*s' (len %u)", what,
		     (int)(len - sizeof(sa_family_t)), sa.sun_path, len);
	if (want && (len != offsetof(struct sockaddr_un, sun_path) + strlen(want) + 1 ||
		     strcmp(sa.sun_path, want)))
		fail("%s: expected '%s', got '%.*s' (len %u)", what, want,
		     (int)(len - sizeof(sa_family_t)), sa.sun_path, len);
}

static void check_recv(int sk, const char *want, const char *what)
{
	char buf[64] = "";
	ssize_t n = recv(sk, buf, sizeof(buf) - 1, MSG_DONTWAIT);

	if (n != (ssize_t)strlen(want) || memcmp(buf, want, strlen(want)))
		fail("%s: received '%s' (%zd), expected '%s': %m", what, n > 0 ? buf : "", n, want);
}

static void check_fresh_connect(int l)
{
	int n = socket(AF_UNIX, SOCK_STREAM, 0), a;

	if (n < 0 || connect(n, (struct sockaddr *)&addr, sizeof(addr))) {
		fail("fresh connect to '%s': %m", addr.sun_path);
		return;
	}
	a = accept(l, NULL, NULL);
	if (a < 0) {
		fail("the listener does not accept the fresh connection: %m");
		return;
	}
	if (write(n, "fresh", 5) != 5)
		fail("write on the fresh connection: %m");
	check_recv(a, "fresh", "fresh connection");
	check_name(a, 0, addr.sun_path, "getsockname of the fresh accepted socket");
	close(a);
	close(n);
}

int main(int argc, char **argv)
{
	int l, c, a, acc = 0;
	socklen_t len = sizeof(acc);
	struct stat st;

	test_init(argc, argv);
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", test_path("srv.sock"));
	l = socket(AF_UNIX, SOCK_STREAM, 0);
	c = socket(AF_UNIX, SOCK_STREAM, 0);
	if (l < 0 || c < 0 || bind(l, (struct sockaddr *)&addr, sizeof(addr)) ||
	    chmod(addr.sun_path, 0640) || listen(l, 5) ||
	    connect(c, (struct sockaddr *)&addr, sizeof(addr)))
		test_skip("listener at '%s': %m", addr.sun_path);
	a = accept(l, NULL, NULL);
	if (a < 0 || write(c, "to-server", 9) != 9 || write(a, "to-client", 9) != 9)
		fail("accept/write: %m");
	test_daemon();
	test_waitsig();

	check_name(l, 0, addr.sun_path, "getsockname of the listener");
	check_name(a, 0, addr.sun_path, "getsockname of the accepted socket");
	check_name(a, 1, NULL, "getpeername of the accepted socket");
	check_name(c, 0, NULL, "getsockname of the client");
	check_name(c, 1, addr.sun_path, "getpeername of the client");
	check_recv(a, "to-server", "queued for the server");
	check_recv(c, "to-client", "queued for the client");
	if (write(c, "ping", 4) != 4 || write(a, "pong", 4) != 4)
		fail("write after restore: %m");
	check_recv(a, "ping", "client to server");
	check_recv(c, "pong", "server to client");
	if (getsockopt(l, SOL_SOCKET, SO_ACCEPTCONN, &acc, &len) || !acc)
		fail("the listener is not listening (SO_ACCEPTCONN %d): %m", acc);
	if (stat(addr.sun_path, &st) || !S_ISSOCK(st.st_mode) || (st.st_mode & 0777) != 0640)
		fail("socket file '%s': mode 0%o, expected a socket 0640: %m", addr.sun_path,
		     st.st_mode);
	check_fresh_connect(l);
	return test_done();
}
