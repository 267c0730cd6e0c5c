/*
 * Unix sockets whose socket file is gone (CRIU's "deleted"): a datagram
 * socket S whose file was removed after T connected to it, a listener L
 * whose file was removed and replaced by a regular file, and an unconnected
 * stream socket U whose file was removed, recreated (a regular file) and
 * removed again. After restore: each socket reports the name it was bound
 * to, T still reaches S, L still listens, S's and U's paths are still
 * free and L's path still holds the regular file with its content.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "zdtmtst.h"

static socklen_t fill(struct sockaddr_un *sa, const char *name)
{
	sa->sun_family = AF_UNIX;
	snprintf(sa->sun_path, sizeof(sa->sun_path), "%s", test_path(name));
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(sa->sun_path) + 1);
}

static void check_name(int sk, const struct sockaddr_un *want, socklen_t wlen, const char *what)
{
	struct sockaddr_un sa;
	socklen_t len = sizeof(sa);

	if (getsockname(sk, (struct sockaddr *)&sa, &len) || len != wlen || memcmp(&sa, want, len))
		fail("%s: getsockname is not '%s': %m", what, want->sun_path);
}

static void check_absent(const char *path, const char *what)
{
	struct stat st;

	if (lstat(path, &st) == 0 || errno != ENOENT)
		fail("%s: '%s' exists again after restore", what, path);
}

static int write_file(const char *path, const char *data)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	int ok = fd >= 0 && write(fd, data, strlen(data)) == (ssize_t)strlen(data);

	if (fd >= 0)
		close(fd);
	return ok ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct sockaddr_un ss, ls, us;
	socklen_t slen, llen, ulen;
	int s, t, l, u, one = 0;
	socklen_t ol = sizeof(one);
	char buf[32];

	test_init(argc, argv);
	slen = fill(&ss, "del-dgram.sock");
	llen = fill(&ls, "del-listen.sock");
	ulen = fill(&us, "del-unconn.sock");
	/* A run before left the replacing file. */
	unlink(ss.sun_path);
	unlink(ls.sun_path);
	unlink(us.sun_path);
	s = socket(AF_UNIX, SOCK_DGRAM, 0);
	t = socket(AF_UNIX, SOCK_DGRAM, 0);
	l = socket(AF_UNIX, SOCK_STREAM, 0);
	u = socket(AF_UNIX, SOCK_STREAM, 0);
	if (s < 0 || t < 0 || l < 0 || u < 0 || bind(s, (struct sockaddr *)&ss, slen) ||
	    connect(t, (struct sockaddr *)&ss, slen) || bind(l, (struct sockaddr *)&ls, llen) ||
	    listen(l, 4) || bind(u, (struct sockaddr *)&us, ulen))
		test_skip("sockets: %m");
	if (unlink(ss.sun_path) || unlink(ls.sun_path) || write_file(ls.sun_path, "replaced") ||
	    unlink(us.sun_path) || write_file(us.sun_path, "again") || unlink(us.sun_path))
		test_skip("removing socket files: %m");

	test_daemon();
	test_waitsig();

	check_name(s, &ss, slen, "removed datagram socket");
	check_name(l, &ls, llen, "replaced listener");
	check_name(u, &us, ulen, "removed, recreated and removed");
	check_absent(ss.sun_path, "removed datagram socket");
	check_absent(us.sun_path, "removed, recreated and removed");
	{
		int fd = open(ls.sun_path, O_RDONLY);
		ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf)) : -1;

		if (n != 8 || memcmp(buf, "replaced", 8))
			fail("the file that replaced the listener's is not intact: %m");
		if (fd >= 0)
			close(fd);
	}
	if (send(t, "hello", 5, 0) != 5 || recv(s, buf, sizeof(buf), MSG_DONTWAIT) != 5 ||
	    memcmp(buf, "hello", 5))
		fail("T no longer reaches the removed datagram socket: %m");
	if (getsockopt(l, SOL_SOCKET, SO_ACCEPTCONN, &one, &ol) || !one)
		fail("the replaced listener no longer listens: %m");
	return test_done();
}
