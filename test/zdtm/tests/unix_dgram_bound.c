/*
 * Datagram sockets: S bound to a path (mode 0600) and not connected, T bound
 * to an abstract name and connected to S, U unbound and connected to S.
 * After restore: the names and peers are as before, a datagram from T (and
 * from U) reaches S with T's abstract name (U: unnamed) as its source, S can
 * answer T at its abstract name, and S's socket file keeps its mode.
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

static struct sockaddr_un spath = {.sun_family = AF_UNIX}, tabs = {.sun_family = AF_UNIX};
static socklen_t spath_len, tabs_len;

static void check_name(int sk, int peer, const struct sockaddr_un *want, socklen_t want_len,
		       const char *what)
{
	struct sockaddr_un sa;
	socklen_t len = sizeof(sa);
	int r = peer ? getpeername(sk, (struct sockaddr *)&sa, &len)
		     : getsockname(sk, (struct sockaddr *)&sa, &len);

	if (r && !(peer && !want && errno == ENOTCONN))
		fail("%s: %m", what);
	else if (!r && !want && !peer && len != sizeof(sa_family_t))
		fail("%s: expected unnamed, got %u bytes", what, len);
	else if (!r && !want && peer)
		fail("%s: expected not connected, got a peer (%u bytes)", what, len);
	else if (want && (len != want_len || memcmp(&sa, want, len)))
		fail("%s: expected '%s' (%u bytes), got '%s' (%u bytes)", what,
		     want->sun_path[0] ? want->sun_path : want->sun_path + 1, want_len,
		     sa.sun_path[0] ? sa.sun_path : sa.sun_path + 1, len);
}

/* A datagram sent on @from reaches S, with @src as its source (NULL: none, len 0). */
static void check_to_s(int from, int s, const struct sockaddr_un *src, socklen_t src_len,
		       const char *what)
{
	struct sockaddr_un sa;
	socklen_t len = sizeof(sa);
	char buf[16];

	if (send(from, what, strlen(what), 0) != (ssize_t)strlen(what))
		fail("%s: send: %m", what);
	if (recvfrom(s, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&sa, &len) !=
		    (ssize_t)strlen(what) ||
	    memcmp(buf, what, strlen(what)))
		fail("%s: not received: %m", what);
	else if (src ? len != src_len || memcmp(&sa, src, len) : len > sizeof(sa_family_t))
		fail("%s: wrong source address (%u bytes)", what, len);
}

int main(int argc, char **argv)
{
	int s, t, u, n;
	struct stat st;
	char buf[16];

	test_init(argc, argv);
	snprintf(spath.sun_path, sizeof(spath.sun_path), "%s", test_path("dgram.sock"));
	spath_len =
		(socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(spath.sun_path) + 1);
	n = snprintf(tabs.sun_path + 1, sizeof(tabs.sun_path) - 1, "crl-zdtm-dgram-%d",
		     (int)getpid());
	tabs_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
	s = socket(AF_UNIX, SOCK_DGRAM, 0);
	t = socket(AF_UNIX, SOCK_DGRAM, 0);
	u = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (s < 0 || t < 0 || u < 0 || bind(s, (struct sockaddr *)&spath, spath_len) ||
	    chmod(spath.sun_path, 0600) || bind(t, (struct sockaddr *)&tabs, tabs_len) ||
	    connect(t, (struct sockaddr *)&spath, spath_len) ||
	    connect(u, (struct sockaddr *)&spath, spath_len))
		test_skip("datagram sockets: %m");
	test_daemon();
	test_waitsig();

	check_name(s, 0, &spath, spath_len, "getsockname of S");
	check_name(s, 1, NULL, 0, "getpeername of S");
	check_name(t, 0, &tabs, tabs_len, "getsockname of T");
	check_name(t, 1, &spath, spath_len, "getpeername of T");
	check_name(u, 0, NULL, 0, "getsockname of U");
	check_name(u, 1, &spath, spath_len, "getpeername of U");
	check_to_s(t, s, &tabs, tabs_len, "from-t");
	check_to_s(u, s, NULL, 0, "from-u");
	if (sendto(s, "reply", 5, 0, (struct sockaddr *)&tabs, tabs_len) != 5 ||
	    recv(t, buf, sizeof(buf), MSG_DONTWAIT) != 5 || memcmp(buf, "reply", 5))
		fail("S to T's abstract name: %m");
	if (stat(spath.sun_path, &st) || !S_ISSOCK(st.st_mode) || (st.st_mode & 0777) != 0600)
		fail("socket file '%s': mode 0%o, expected a socket 0600: %m", spath.sun_path,
		     st.st_mode);
	return test_done();
}
