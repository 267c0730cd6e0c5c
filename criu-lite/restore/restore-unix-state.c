/*
 * Restore: the unix kind's state, for what outlives one file's open.
 *
 * Half-closed connections: a stream or seqpacket socket whose peer was
 * closed is made connected (a socketpair, or through a listener at its name),
 * and the other end, the tool's helper, sends its queue once the tree exists
 * and is closed right after (the socket then reads its queue, then EOF).
 *
 * Unix sockets whose socket file was removed or replaced after they
 * were bound (CRIU's "deleted"). Such a socket gets back the name the kernel
 * reported, without its file staying: it is bound at the name like any other
 * (sockets of the tree may connect to it by that name while their files are
 * opened), and once every process holds its fds (rst_files_close) its socket
 * file is removed — only if it is still the one it bound. Whatever took the
 * name since the dump (a file, a live socket) steps aside for the bind (a
 * rename in the same directory) and comes back at that point, on every path
 * of the restore.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "array.h"
#include "log.h"
#include "restore.h"

struct rst_unix_deleted {
	char path[PATH_MAX];
	char aside[PATH_MAX + 32];
	bool has_aside;
	ino_t ino; /* the socket file the bind made, 0 if none */
};

struct rst_unix_helper {
	uint32_t id; /* the file whose peer the helper stands for */
	int fd;
};

struct rst_unix_state {
	struct rst_unix_deleted *v;
	size_t n;
	struct rst_unix_helper *h;
	size_t nr_h;
};

static struct rst_unix_state *rst_unix_state(struct rst_ctx *c)
{
	/* Made here, freed by the kind's fini (restore-unix.c names no file of this one). */
	if (!c->fd_state[FD_TYPES__UNIXSK])
		c->fd_state[FD_TYPES__UNIXSK] = rst_unix_state_new();
	return c->fd_state[FD_TYPES__UNIXSK];
}

int rst_unix_helper_add(struct rst_ctx *c, uint32_t id, int fd)
{
	struct rst_unix_state *s = rst_unix_state(c);

	if (!s || ARRAY_GROW(s->h, s->nr_h))
		return -ENOMEM;
	s->h[s->nr_h++] = (struct rst_unix_helper){id, fd};
	return 0;
}

int rst_unix_helper_fd(struct rst_ctx *c, uint32_t id)
{
	const struct rst_unix_state *s = c->fd_state[FD_TYPES__UNIXSK];

	for (size_t i = 0; s && i < s->nr_h; i++)
		if (s->h[i].id == id)
			return s->h[i].fd;
	return -1;
}

static void rst_unix_helpers_close(struct rst_unix_state *s)
{
	for (size_t i = 0; s && i < s->nr_h; i++)
		close(s->h[i].fd);
	if (s)
		s->nr_h = 0;
}

void rst_unix_helpers_done(struct rst_ctx *c)
{
	rst_unix_helpers_close(c->fd_state[FD_TYPES__UNIXSK]);
}

void *rst_unix_state_new(void)
{
	return calloc(1, sizeof(struct rst_unix_state));
}

void rst_unix_state_free(void *st)
{
	struct rst_unix_state *s = st;

	if (s) {
		rst_unix_helpers_close(s);
		free(s->v);
		free(s->h);
	}
	free(s);
}

int rst_unix_bind_deleted(struct rst_ctx *c, const UnixSkEntry *e, int sk)
{
	struct rst_unix_state *s = rst_unix_state(c);
	struct rst_unix_deleted *d;
	struct sockaddr_un sa;
	struct stat st;
	socklen_t len;
	int back = -1, ret = rst_unix_addr(e, &sa, &len);

	if (ret || !sa.sun_path[0] || (sa.sun_path[0] != '/' && !e->name_dir)) {
		pr_err("unix socket %u: a deleted socket without a usable path name", e->id);
		return -EINVAL;
	}
	if (!s || ARRAY_GROW(s->v, s->n))
		return -ENOMEM;
	d = &s->v[s->n];
	memset(d, 0, sizeof(*d));
	/* The path, absolute: a relative name is bound from name_dir, cleaned up from anywhere. */
	if (snprintf(d->path, sizeof(d->path), "%s%s%s", sa.sun_path[0] == '/' ? "" : e->name_dir,
		     sa.sun_path[0] == '/' ? "" : "/", sa.sun_path) >= (int)sizeof(d->path))
		return -ENAMETOOLONG;
	if (lstat(d->path, &st) == 0) {
		snprintf(d->aside, sizeof(d->aside), "%s.crl-aside-%d", d->path, (int)getpid());
		if (rename(d->path, d->aside)) {
			ret = -errno;
			pr_err("unix socket %u: cannot move '%s' aside to bind its deleted name: "
			       "%s",
			       e->id, d->path, strerror(errno));
			return ret;
		}
		d->has_aside = true;
	}
	s->n++; /* from here on, rst_unix_state_close puts the name back */
	ret = rst_unix_enter(e, &back);
	if (!ret && bind(sk, (struct sockaddr *)&sa, len))
		ret = -errno;
	rst_unix_leave(back);
	if (ret) {
		pr_err("unix socket %u: bind to deleted name '%s': %s", e->id, d->path,
		       strerror(-ret));
		return ret;
	}
	d->ino = lstat(d->path, &st) ? 0 : st.st_ino;
	return 0;
}

void rst_unix_state_close(void *st)
{
	struct rst_unix_state *s = st;
	struct stat sb;

	rst_unix_helpers_close(s);
	for (size_t i = 0; s && i < s->n; i++) {
		const struct rst_unix_deleted *d = &s->v[i];

		if (d->ino && lstat(d->path, &sb) == 0 && sb.st_ino == d->ino && unlink(d->path))
			pr_warn("restore: cannot remove the socket file '%s' of a deleted socket: "
				"%s",
				d->path, strerror(errno));
		if (d->has_aside && rename(d->aside, d->path))
			pr_warn("restore: cannot move '%s' back to '%s': %s", d->aside, d->path,
				strerror(errno));
	}
	if (s)
		s->n = 0;
}
