/*
 * sock_diag: a socketpair of ours shows up with each end's peer the other; a
 * listener bound to a path shows its name, socket file, backlog and the
 * connection waiting in its queue; an abstract name keeps its leading NUL;
 * a thousand socketpairs, a dump that takes several reads, are all listed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "sock-diag.h"
#include "tap.h"

/* A listener (backlog 7) at @path with one connection not yet accepted. */
static int listen_path(const char *path, int *l, int *c, struct stat *st)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	*l = socket(AF_UNIX, SOCK_STREAM, 0);
	*c = socket(AF_UNIX, SOCK_STREAM, 0);
	if (*l < 0 || *c < 0 || bind(*l, (struct sockaddr *)&sa, sizeof(sa)) || listen(*l, 7) ||
	    connect(*c, (struct sockaddr *)&sa, sizeof(sa)) || stat(path, st))
		return -1;
	return 0;
}

static void check_named(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	const struct sock_diag_unix *l, *a, *c;
	struct sock_diag_unix *v = NULL;
	char path[64] = "/tmp/crl-sock-diag.XXXXXX"; /* room for "/s" */
	struct stat st, sl, sab, sc;
	int lfd, cfd, afd;
	size_t n = 0;

	if (!mkdtemp(path) || strlen(path) + 3 > sizeof(sa.sun_path))
		return;
	strcat(path, "/s");
	if (listen_path(path, &lfd, &cfd, &st) || fstat(lfd, &sl) || fstat(cfd, &sc)) {
		ok(0, "listener at '%s' with a pending connection: %s", path, strerror(errno));
		return;
	}
	/* An abstract name is "\0" + bytes; sock_diag gives it with its length. */
	memcpy(sa.sun_path, "\0crl-diag", 9);
	afd = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (afd < 0 || bind(afd, (struct sockaddr *)&sa, sizeof(sa_family_t) + 9) ||
	    fstat(afd, &sab))
		ok(0, "abstract datagram socket: %s", strerror(errno));
	ok(sock_diag_unix_list(&v, &n) == 0, "list with named sockets");
	l = sock_diag_unix_find(v, n, (uint32_t)sl.st_ino);
	a = sock_diag_unix_find(v, n, (uint32_t)sab.st_ino);
	ok(l && l->state == 10 && l->name_len == strlen(path) + 1 && !strcmp(l->name, path),
	   "listener: LISTEN, its path with the trailing NUL");
	ok(l && l->vfs_ino == st.st_ino, "listener: socket file inode %u (%lu)", l ? l->vfs_ino : 0,
	   (unsigned long)st.st_ino);
	ok(l && l->rqlen == 1 && l->wqlen == 7, "listener: 1 pending, backlog 7 (%u, %u)",
	   l ? l->rqlen : 0, l ? l->wqlen : 0);
	ok(a && a->name_len == 9 && !memcmp(a->name, "\0crl-diag", 9) && !a->vfs_ino,
	   "abstract name: leading NUL, 9 bytes, no socket file");
	c = sock_diag_unix_find(v, n, (uint32_t)sc.st_ino);
	ok(l && l->nr_icons == 1 && c && !c->peer && c->acceptq_of == l->ino && !c->acceptq_pos,
	   "pending client: no peer, first in its listener's queue (%u, %u)", c ? c->acceptq_of : 0,
	   c ? c->acceptq_pos : 0);
	free(v);
	close(lfd);
	close(cfd);
	close(afd);
	unlink(path);
	*strrchr(path, '/') = 0;
	rmdir(path);
}

/*
 * The kernel puts at most 32 KiB of a dump into one read (netlink_recvmsg()
 * caps max_recvmsg_len there) and each socketpair end takes at least 52 bytes
 * (nlmsghdr, unix_diag_msg, UNIX_DIAG_PEER, UNIX_DIAG_RQLEN): 1000 pairs make
 * a reply of about 100 KiB, NLM_F_MULTI over several reads.
 */
#define MANY_PAIRS 1000
#define MIN_REPLY 52u

/* Raises the soft fd limit towards @want; returns how many fds we may hold. */
static size_t fd_room(size_t want)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return 0;
	if (rl.rlim_cur < want) {
		rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	return rl.rlim_cur < want ? (size_t)rl.rlim_cur : want;
}

static void check_many(void)
{
	size_t made = 0, found = 0, n = 0, room = fd_room(2 * MANY_PAIRS + 64);
	int(*sp)[2] = calloc(MANY_PAIRS, sizeof(*sp));
	struct sock_diag_unix *v = NULL;
	struct stat sa, sb;
	int ret;

	while (sp && made < MANY_PAIRS && 2 * made + 64 < room &&
	       !socketpair(AF_UNIX, SOCK_STREAM, 0, sp[made]))
		made++;
	if (2 * made * MIN_REPLY <= 32u << 10) {
		skip("%zu socketpairs (RLIMIT_NOFILE %zu): too few for a multi-part dump", made,
		     room);
		goto out;
	}
	ret = sock_diag_unix_list(&v, &n);
	ok(ret == 0 && n >= 2 * made, "list with %zu socketpairs: %zu sockets (%d)", made, n, ret);
	for (size_t i = 0; i < made; i++) {
		const struct sock_diag_unix *a, *b;

		if (fstat(sp[i][0], &sa) || fstat(sp[i][1], &sb))
			continue;
		a = sock_diag_unix_find(v, n, (uint32_t)sa.st_ino);
		b = sock_diag_unix_find(v, n, (uint32_t)sb.st_ino);
		found += a && b && a->peer == b->ino && b->peer == a->ino;
	}
	ok(found == made,
	   "multi-part dump (over %zu KiB): all %zu pairs listed with their peers (%zu)",
	   2 * made * MIN_REPLY >> 10, made, found);
out:
	free(v);
	for (size_t i = 0; i < made; i++) {
		close(sp[i][0]);
		close(sp[i][1]);
	}
	free(sp);
}

int main(void)
{
	const struct sock_diag_unix *a, *b;
	struct sock_diag_unix *v = NULL;
	struct stat sa, sb;
	size_t n = 0;
	int sp[2], ret;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp) || fstat(sp[0], &sa) || fstat(sp[1], &sb)) {
		perror("socketpair");
		return 1;
	}
	if (write(sp[0], "abc", 3) != 3)
		return 1;
	ret = sock_diag_unix_list(&v, &n);
	if (ret == -EPROTONOSUPPORT || ret == -ENOENT) {
		skip("unix_diag not available (%d)", ret);
		return 77;
	}
	ok(ret == 0, "sock_diag_unix_list returns 0 (%d)", ret);
	ok(n >= 2, "at least our two sockets listed (%zu)", n);
	for (size_t i = 1; i < n; i++)
		if (v[i - 1].ino > v[i].ino) {
			ok(0, "list sorted by inode");
			break;
		}
	a = sock_diag_unix_find(v, n, (uint32_t)sa.st_ino);
	b = sock_diag_unix_find(v, n, (uint32_t)sb.st_ino);
	ok(a && b, "both ends found by inode");
	if (a && b) {
		ok(a->peer == b->ino && b->peer == a->ino, "peers point at each other");
		ok(a->type == SOCK_STREAM && a->state == 1, "stream, established");
		ok(a->name_len == 0 && b->name_len == 0, "unnamed");
		ok(b->rqlen == 3, "receive queue of the reading end holds 3 bytes (%u)", b->rqlen);
		ok(a->shutdown == 0, "no shutdown");
	}
	ok(sock_diag_unix_find(v, n, 0) == NULL, "inode 0 not found");
	free(v);
	check_named();
	check_many();
	return tap_done();
}
