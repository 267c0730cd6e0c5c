/*
 * Restore: named unix sockets (see docs/restore-design.md).
 *
 * Sockets that own a name (listeners, bound datagram sockets) are created
 * and bound before any other file, listeners listen with their backlog, then
 * bound datagram sockets connect to their peers. A filesystem name is freed
 * first when a stale socket file is left at it: only a socket file, and only
 * when no socket is bound to it any more (a datagram connect() to it gets
 * ECONNREFUSED); anything else there is an error naming it.
 *
 * A connected stream/seqpacket pair with a name on either end is rebuilt the
 * way the kernel built it: the accepted end takes its name from the listener
 * it came from, so the other end connects to a listener bound at that name
 * and the accepted end is accept()ed from it. That is the restored listener
 * itself when it is in the image set (its queue is empty again afterwards),
 * or a temporary one bound only for this accept (its socket file removed).
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

#include "log.h"
#include "restore.h"

#define USK_ESTABLISHED 1 /* TCP_ESTABLISHED */
#define USK_LISTEN 10	  /* TCP_LISTEN */

/* The name for messages: the path, or '@' and the abstract name. */
static const char *rst_unix_name(const UnixSkEntry *e, char *buf, size_t len)
{
	/* A path ends at its NUL; an abstract name is all its bytes. */
	size_t i, n = e->name.len && e->name.data[0]
			      ? strnlen((const char *)e->name.data, e->name.len)
			      : e->name.len;

	if (!e->name.len)
		return "(unnamed)";
	if (n > len - 1)
		n = len - 1;
	for (i = 0; i < n; i++)
		buf[i] = e->name.data[i] >= 0x20 && e->name.data[i] < 0x7f ? (char)e->name.data[i]
									   : '?';
	if (e->name.data[0] == 0)
		buf[0] = '@';
	buf[n] = 0;
	return buf;
}

static bool rst_unix_is_path(const UnixSkEntry *e)
{
	return e->name.len && e->name.data[0] != 0;
}

/* Whether a socket is bound to the socket file at @sa (a datagram connect reaches it). */
static bool rst_unix_path_live(const struct sockaddr_un *sa, socklen_t len)
{
	int sk = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0), ret;

	if (sk < 0)
		return true;
	ret = connect(sk, (const struct sockaddr *)sa, len) ? errno : 0;
	close(sk);
	return ret != ECONNREFUSED && ret != ENOENT;
}

/* Makes the path of @sa free for bind: removes a stale socket file, nothing else. */
static int rst_unix_path_free(uint32_t id, const struct sockaddr_un *sa, socklen_t len)
{
	struct stat st;

	if (lstat(sa->sun_path, &st))
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode)) {
		pr_err("unix socket %u: '%s' exists and is not a socket: not replacing it", id,
		       sa->sun_path);
		return -EEXIST;
	}
	if (rst_unix_path_live(sa, len)) {
		pr_err("unix socket %u: '%s' is in use by another socket", id, sa->sun_path);
		return -EADDRINUSE;
	}
	if (unlink(sa->sun_path) && errno != ENOENT) {
		pr_err("unix socket %u: cannot remove the stale socket file '%s': %s", id,
		       sa->sun_path, strerror(errno));
		return -errno;
	}
	return 0;
}

/* Binds @sk to @e's name (entering name_dir for a relative one); *ino: its socket file. */
static int rst_unix_bind_at(const UnixSkEntry *e, int sk, ino_t *ino)
{
	struct sockaddr_un sa;
	struct stat st;
	socklen_t len;
	char name[128];
	int back = -1, ret;

	ret = rst_unix_addr(e, &sa, &len);
	if (!ret)
		ret = rst_unix_enter(e, &back);
	if (ret) {
		pr_err("unix socket %u: name '%s' (dir '%s'): %s", e->id,
		       rst_unix_name(e, name, sizeof(name)), e->name_dir ?: "", strerror(-ret));
		return ret;
	}
	if (rst_unix_is_path(e))
		ret = rst_unix_path_free(e->id, &sa, len);
	if (!ret && bind(sk, (struct sockaddr *)&sa, len)) {
		ret = -errno;
		pr_err("unix socket %u: bind to '%s': %s%s", e->id,
		       rst_unix_name(e, name, sizeof(name)), strerror(errno),
		       errno == EADDRINUSE ? " (in use by another socket)" : "");
	}
	if (!ret && rst_unix_is_path(e)) {
		*ino = lstat(sa.sun_path, &st) ? 0 : st.st_ino;
		/* The socket file's mode and owner, as recorded. */
		if (e->file_perms && (chmod(sa.sun_path, e->file_perms->mode & 07777) ||
				      lchown(sa.sun_path, e->file_perms->uid, e->file_perms->gid)))
			pr_warn("unix socket %u: mode or owner of '%s': %s", e->id, sa.sun_path,
				strerror(errno));
	}
	rst_unix_leave(back);
	return ret;
}

/* Connects @sk to the socket bound at @to's name, never blocking. */
int rst_unix_connect_to(const UnixSkEntry *from, int sk, const UnixSkEntry *to)
{
	struct sockaddr_un sa;
	socklen_t len;
	char name[128];
	int back = -1, ret, fl = fcntl(sk, F_GETFL);

	ret = rst_unix_addr(to, &sa, &len);
	if (!ret)
		ret = rst_unix_enter(to, &back);
	if (!ret) {
		fcntl(sk, F_SETFL, fl | O_NONBLOCK);
		ret = connect(sk, (struct sockaddr *)&sa, len) ? -errno : 0;
		fcntl(sk, F_SETFL, fl);
		rst_unix_leave(back);
	}
	if (ret)
		pr_err("unix socket %u: connect to '%s': %s", from->id,
		       rst_unix_name(to, name, sizeof(name)), strerror(-ret));
	return ret;
}

static int rst_unix_socket(const FileEntry *fe)
{
	int sk = socket(AF_UNIX, (int)fe->usk->type | SOCK_CLOEXEC, 0);

	if (sk < 0) {
		pr_err("unix socket %u: socket: %s", fe->id, strerror(errno));
		return -errno;
	}
	if (rst_unix_opts(fe, sk)) {
		close(sk);
		return -EINVAL;
	}
	return sk;
}

/* A socket that owns its name: created, bound, listening if it was. */
static int rst_unix_bound_one(struct rst_ctx *c, struct rst_file *f)
{
	const UnixSkEntry *e = f->fe->usk;
	int sk = rst_unix_socket(f->fe), ret;
	ino_t ino;

	if (sk < 0)
		return sk;
	ret = e->deleted ? rst_unix_bind_deleted(c, e, sk) : rst_unix_bind_at(e, sk, &ino);
	if (!ret && e->state == USK_LISTEN && listen(sk, (int)e->backlog)) {
		ret = -errno;
		pr_err("unix socket %u: listen: %s", e->id, strerror(errno));
	}
	if (ret) {
		close(sk);
		return ret;
	}
	f->fd = sk;
	return 0;
}

bool rst_unix_owns_name(const UnixSkEntry *e)
{
	return e->name.len && !(e->uflags & RST_USK_EXTERN) &&
	       (e->state != USK_ESTABLISHED || e->type == SOCK_DGRAM);
}

int rst_unix_bound_open(struct rst_ctx *c)
{
	int ret = 0;

	for (size_t i = 0; !ret && i < c->nr_files; i++) {
		struct rst_file *f = &c->files[i];

		if (f->fe->type == FD_TYPES__UNIXSK && f->fe->usk && f->fd < 0 &&
		    rst_unix_owns_name(f->fe->usk))
			ret = rst_unix_bound_one(c, f);
	}
	/* Datagram sockets connect once every name is bound. */
	for (size_t i = 0; !ret && i < c->nr_files; i++) {
		const struct rst_file *f = &c->files[i];
		const UnixSkEntry *e = f->fe->usk;

		if (f->fe->type == FD_TYPES__UNIXSK && e && f->fd >= 0 && e->type == SOCK_DGRAM &&
		    e->peer)
			ret = rst_unix_dgram_connect(c, f->fe, f->fd);
	}
	return ret;
}

int rst_unix_dgram_connect(struct rst_ctx *c, const FileEntry *fe, int sk)
{
	const struct rst_file *peer = rst_unix_peer(c, fe->usk);
	char name[128];

	if (!peer || !peer->fe->usk->name.len) {
		pr_err("unix socket %u: its peer (inode %u) %s", fe->id, fe->usk->peer,
		       peer ? "has no name to connect to" : "is not in the image set");
		return -EINVAL;
	}
	if (peer->fd < 0 && !(peer->fe->usk->uflags & RST_USK_EXTERN)) {
		pr_err("unix socket %u: its peer '%s' is not bound", fe->id,
		       rst_unix_name(peer->fe->usk, name, sizeof(name)));
		return -EINVAL;
	}
	return rst_unix_connect_to(fe->usk, sk, peer->fe->usk);
}

/* The restored listener bound at @e's name, if the image set has one. */
static const struct rst_file *rst_unix_listener(const struct rst_ctx *c, const UnixSkEntry *e)
{
	for (size_t i = 0; i < c->nr_files; i++) {
		const UnixSkEntry *l = c->files[i].fe->usk;

		if (c->files[i].fe->type != FD_TYPES__UNIXSK || !l || l->state != USK_LISTEN ||
		    c->files[i].fd < 0 || l->type != e->type || l->name.len != e->name.len ||
		    memcmp(l->name.data, e->name.data, e->name.len))
			continue;
		if (!l->name_dir == !e->name_dir &&
		    (!l->name_dir || !strcmp(l->name_dir, e->name_dir)))
			return &c->files[i];
	}
	return NULL;
}

static int rst_unix_score(const struct rst_ctx *c, const UnixSkEntry *e)
{
	return (e->name.len ? 1 : 0) + (e->name.len && rst_unix_listener(c, e) ? 2 : 0);
}

/*
 * Whether @e is the accepted end of its connection with @p; both ends agree.
 * The accepted end is the one named after a listener of the image set, else
 * the named one (both named, no listener: the lower inode).
 */
static bool rst_unix_accepted(const struct rst_ctx *c, const UnixSkEntry *e, const UnixSkEntry *p)
{
	int se = rst_unix_score(c, e), sp = rst_unix_score(c, p);

	return se > sp || (se == sp && e->ino < p->ino);
}

/* A listener at @e's name for one accept; *ino: its socket file (0 for an abstract name). */
static int rst_unix_tmp_listener(const UnixSkEntry *e, ino_t *ino)
{
	int sk = socket(AF_UNIX, (int)e->type | SOCK_CLOEXEC, 0), ret;

	*ino = 0;
	if (sk < 0)
		return -errno;
	ret = rst_unix_bind_at(e, sk, ino);
	if (!ret && listen(sk, 1))
		ret = -errno;
	if (ret) {
		close(sk);
		return ret;
	}
	return sk;
}

/* Removes the temporary listener's socket file, if it is still the one it bound. */
static void rst_unix_tmp_remove(const UnixSkEntry *e, ino_t ino)
{
	struct sockaddr_un sa;
	struct stat st;
	socklen_t len;
	int back;

	if (!ino || !rst_unix_is_path(e) || rst_unix_addr(e, &sa, &len) || rst_unix_enter(e, &back))
		return;
	if (lstat(sa.sun_path, &st) == 0 && st.st_ino == ino)
		unlink(sa.sun_path);
	rst_unix_leave(back);
}

/* accept() on @lsk, checked to be the connection the tool itself just made. */
static int rst_unix_accept(const FileEntry *acc, int lsk)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);
	int a = accept4(lsk, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (a < 0) {
		pr_err("unix socket %u: accept: %s", acc->id, strerror(errno));
		return -errno;
	}
	fcntl(a, F_SETFL, 0);
	if (getsockopt(a, SOL_SOCKET, SO_PEERCRED, &cr, &len) || cr.pid != getpid()) {
		pr_err("unix socket %u: accepted a connection from another process", acc->id);
		close(a);
		return -EADDRINUSE;
	}
	if (rst_unix_opts(acc, a)) {
		close(a);
		return -EINVAL;
	}
	return a;
}

/* The connection of @con to @acc through a listener at @acc's name. */
static int rst_unix_accept_pair(struct rst_ctx *c, const FileEntry *acc, const FileEntry *con,
				int *afd, int *cfd)
{
	const struct rst_file *l = rst_unix_listener(c, acc->usk);
	int lsk = l ? l->fd : -1, k, a = -1, ret = 0;
	ino_t ino = 0, cino;

	k = rst_unix_socket(con);
	if (k < 0)
		return k;
	if (con->usk->name.len)
		ret = rst_unix_bind_at(con->usk, k, &cino); /* a client that bound itself */
	if (!ret && !l) {
		lsk = rst_unix_tmp_listener(acc->usk, &ino);
		ret = lsk < 0 ? lsk : 0;
	}
	if (!ret)
		ret = rst_unix_connect_to(con->usk, k, acc->usk);
	if (!ret) {
		a = rst_unix_accept(acc, lsk);
		ret = a < 0 ? a : 0;
	}
	if (!l && lsk >= 0) {
		close(lsk);
		rst_unix_tmp_remove(acc->usk, ino);
	}
	if (ret) {
		close(k);
		return ret;
	}
	*afd = a;
	*cfd = k;
	return 0;
}

int rst_unix_pair_named(struct rst_ctx *c, const FileEntry *fe, struct rst_file *peer, int *fdp)
{
	bool acc = rst_unix_accepted(c, fe->usk, peer->fe->usk);
	int afd, cfd, ret;

	ret = rst_unix_accept_pair(c, acc ? fe : peer->fe, acc ? peer->fe : fe, &afd, &cfd);
	if (ret)
		return ret;
	*fdp = acc ? afd : cfd;
	peer->fd = acc ? cfd : afd;
	return 0;
}

int rst_unix_pair_to_closed(struct rst_ctx *c, const FileEntry *fe, int *fdp, int *helper)
{
	/* The helper: an unnamed socket with default options, standing for the closed peer. */
	UnixSkEntry hu = *fe->usk;
	FileEntry hf = *fe;

	hu.name.len = 0;
	hu.name.data = NULL;
	hu.opts = NULL;
	hf.usk = &hu;
	return rst_unix_accept_pair(c, fe, &hf, fdp, helper);
}
