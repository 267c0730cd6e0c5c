/*
 * Unix sockets bound to relative names, in a directory the process left
 * since (chdir("/")): a listener whose file is still there and a datagram
 * socket whose file was removed. After restore both report their relative
 * names; the listener's file is still found from its directory (a client
 * connects there by the absolute path and is accepted), the removed one's
 * is not back.
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

static socklen_t rel(struct sockaddr_un *sa, const char *name)
{
	sa->sun_family = AF_UNIX;
	snprintf(sa->sun_path, sizeof(sa->sun_path), "%s", name);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(name) + 1);
}

static void check_name(int sk, const struct sockaddr_un *want, socklen_t wlen, const char *what)
{
	struct sockaddr_un sa;
	socklen_t len = sizeof(sa);

	if (getsockname(sk, (struct sockaddr *)&sa, &len) || len != wlen || memcmp(&sa, want, len))
		fail("%s: getsockname is not '%s': %m", what, want->sun_path);
}

int main(int argc, char **argv)
{
	struct sockaddr_un ls, ds, abs_l;
	socklen_t llen, dlen, alen;
	char dir[4096];
	struct stat st;
	int l, d, c, a;

	test_init(argc, argv);
	snprintf(dir, sizeof(dir), "%s", test_path(""));
	dir[strlen(dir) - 1] = 0; /* the test's directory, without the trailing '/' */
	llen = rel(&ls, "rel-listen.sock");
	dlen = rel(&ds, "rel-dgram.sock");
	alen = rel(&abs_l, test_path("rel-listen.sock"));
	if (chdir(dir))
		test_skip("chdir '%s': %m", dir);
	unlink(ls.sun_path);
	unlink(ds.sun_path);
	l = socket(AF_UNIX, SOCK_STREAM, 0);
	d = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (l < 0 || d < 0 || bind(l, (struct sockaddr *)&ls, llen) || listen(l, 4) ||
	    bind(d, (struct sockaddr *)&ds, dlen) || unlink(ds.sun_path) || chdir("/"))
		test_skip("sockets: %m");

	test_daemon();
	test_waitsig();

	check_name(l, &ls, llen, "listener");
	check_name(d, &ds, dlen, "removed datagram socket");
	c = socket(AF_UNIX, SOCK_STREAM, 0);
	if (connect(c, (struct sockaddr *)&abs_l, alen) || (a = accept(l, NULL, NULL)) < 0 ||
	    write(c, "r", 1) != 1 || read(a, dir, 1) != 1)
		fail("the listener is not reached at '%s': %m", abs_l.sun_path);
	snprintf(dir, sizeof(dir), "%s", test_path("rel-dgram.sock"));
	if (lstat(dir, &st) == 0 || errno != ENOENT)
		fail("'%s' exists again after restore", dir);
	return test_done();
}
