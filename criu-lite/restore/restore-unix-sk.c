/*
 * Restore: what every unix socket file (restore-unix*.c) needs of one
 * socket: its peer's file object, its recorded options, its name as a
 * sockaddr and the directory a relative name resolves from. Calls none of
 * them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "log.h"
#include "restore.h"

struct rst_file *rst_unix_peer(struct rst_ctx *c, const UnixSkEntry *u)
{
	for (size_t i = 0; i < c->nr_files; i++) {
		const FileEntry *fe = c->files[i].fe;

		if (fe->type == FD_TYPES__UNIXSK && fe->usk && fe->usk->ino == u->peer)
			return &c->files[i];
	}
	return NULL;
}

/* A buffer size as the socket had it; the kernel doubles what it is given. */
static int rst_unix_buf(int sk, int name, int force, uint32_t want)
{
	int cur = 0, v = (int)(want / 2);
	socklen_t len = sizeof(cur);

	if (!want || (getsockopt(sk, SOL_SOCKET, name, &cur, &len) == 0 && (uint32_t)cur == want))
		return 0;
	/* Above net.core.[wr]mem_max only with CAP_NET_ADMIN (SO_*BUFFORCE). */
	if (setsockopt(sk, SOL_SOCKET, force, &v, sizeof(v)) == 0)
		return 0;
	return setsockopt(sk, SOL_SOCKET, name, &v, sizeof(v)) ? -errno : 0;
}

static int rst_unix_tmo(int sk, int name, uint64_t sec, uint64_t usec)
{
	struct timeval tv = {(time_t)sec, (suseconds_t)usec};

	if (!sec && !usec)
		return 0;
	return setsockopt(sk, SOL_SOCKET, name, &tv, sizeof(tv)) ? -errno : 0;
}

int rst_unix_opts(const FileEntry *fe, int sk)
{
	const SkOptsEntry *o = fe->usk->opts;
	int one = 1, ret;

	if (!o)
		return 0;
	ret = rst_unix_buf(sk, SO_SNDBUF, SO_SNDBUFFORCE, o->so_sndbuf);
	if (!ret)
		ret = rst_unix_buf(sk, SO_RCVBUF, SO_RCVBUFFORCE, o->so_rcvbuf);
	if (!ret)
		ret = rst_unix_tmo(sk, SO_SNDTIMEO, o->so_snd_tmo_sec, o->so_snd_tmo_usec);
	if (!ret)
		ret = rst_unix_tmo(sk, SO_RCVTIMEO, o->so_rcv_tmo_sec, o->so_rcv_tmo_usec);
	if (!ret && o->has_so_passcred && o->so_passcred &&
	    setsockopt(sk, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)))
		ret = -errno;
	if (ret)
		pr_err("unix socket %u: cannot restore its options: %s", fe->id, strerror(-ret));
	return ret;
}

int rst_unix_addr(const UnixSkEntry *e, struct sockaddr_un *sa, socklen_t *len)
{
	if (e->name.len > sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	memcpy(sa->sun_path, e->name.data, e->name.len);
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + e->name.len);
	return 0;
}

/*
 * A relative name is resolved from the directory it was bound in: enters it,
 * *back is the old cwd to return to with rst_unix_leave (-1: none needed).
 */
int rst_unix_enter(const UnixSkEntry *e, int *back)
{
	*back = -1;
	if (!e->name.len || !e->name.data[0] || e->name.data[0] == '/' || !e->name_dir)
		return 0;
	*back = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (*back < 0)
		return -errno;
	if (chdir(e->name_dir)) {
		int ret = -errno;

		close(*back);
		*back = -1;
		return ret;
	}
	return 0;
}

void rst_unix_leave(int back)
{
	if (back >= 0) {
		if (fchdir(back))
			pr_warn("restore: cannot return to the tool's cwd: %s", strerror(errno));
		close(back);
	}
}
