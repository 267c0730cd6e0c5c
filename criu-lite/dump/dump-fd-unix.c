/*
 * AF_UNIX socket fds, described by sock_diag (type, state, peer, name, socket
 * file, queues). Supported:
 *  - connected stream/seqpacket sockets, named or not, whose peer is in the
 *    tree (checked once every fd is known: unix_dump_finish); the receive queue goes to
 *    sk-queues.img. An accepted socket carries its listener's name.
 *  - listeners (TCP_LISTEN) bound to a path or an abstract name, with their
 *    backlog, as long as no connection waits in their queue;
 *  - datagram sockets, bound or not, connected (to a peer in the tree) or
 *    not, with nothing queued.
 * A socket that owns a filesystem name (a listener, a bound datagram socket)
 * must still have its socket file at that path: its mode and owner are
 * recorded in file_perms. A relative name is resolved from the process's
 * cwd, which goes to name_dir. Everything else fails with
 * "unsupported fd N of PID: ...".
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <unistd.h>

#include "array.h"
#include "dump-files.h"
#include "log.h"
#include "proc-misc.h"
#include "sk-packet.pb-c.h"
#include "sock-diag.h"

/* sk_state values of unix sockets (include/net/tcp_states.h). */
#define USK_ESTABLISHED 1
#define USK_CLOSE 7
#define USK_LISTEN 10

/* The kind's state for one dump. */
struct unix_state {
	struct sock_diag_unix *socks; /* every AF_UNIX socket, loaded on the first socket fd */
	size_t nr_socks;
	bool loaded;
	struct img *skq_img; /* sk-queues.img, opened on first use */
	struct unix_dumped {
		uint32_t ino, peer;
		pid_t pid;
		int fd;
	} * dumped; /* the sockets dumped, for the peer check */
	size_t nr_dumped;
	/* the entry being built */
	UnixSkEntry usk;
	FilePermsEntry uperms;
	SkOptsEntry skopts;
	char usk_name[108];
	char usk_dir[4096];
};

/* The name for messages: the path, or '@' and the abstract name (non-printables as '?'). */
static const char *unix_name_str(const struct sock_diag_unix *u, char *buf, size_t len)
{
	/* A path ends at its NUL; an abstract name is all its bytes. */
	size_t i, n = u->name[0] ? strnlen(u->name, u->name_len) : u->name_len;

	if (!u->name_len)
		return "(unnamed)";
	if (n > len - 1)
		n = len - 1;
	for (i = 0; i < n; i++)
		buf[i] = u->name[i] >= 0x20 && u->name[i] < 0x7f ? u->name[i] : '?';
	if (u->name[0] == 0)
		buf[0] = '@';
	buf[n] = 0;
	return buf;
}

static int unix_refuse(const struct fd_desc *d, const struct sock_diag_unix *u, const char *what)
{
	char name[128], msg[256];

	snprintf(msg, sizeof(msg), "%s '%s'", what, unix_name_str(u, name, sizeof(name)));
	return dump_fd_unsupported(d, msg);
}

static int unix_check(const struct fd_desc *d, const struct sock_diag_unix *u)
{
	char msg[128];

	if (u->state == USK_LISTEN) {
		if (!u->rqlen && !u->nr_icons)
			return 0;
		snprintf(msg, sizeof(msg),
			 "listening unix socket with %u connection(s) not yet "
			 "accepted at",
			 u->rqlen > u->nr_icons ? u->rqlen : u->nr_icons);
		return unix_refuse(d, u, msg);
	}
	if (u->type == SOCK_DGRAM) {
		/* rqlen counts this socket's receive queue; wqlen is in the peer's. */
		if (u->rqlen)
			return dump_fd_unsupported(d, "unix datagram socket with queued data");
		return 0;
	}
	if (u->state != USK_ESTABLISHED || !u->peer)
		return u->name_len ? unix_refuse(d, u, "unconnected unix stream socket bound to")
				   : dump_fd_unsupported(d, "unconnected unix socket");
	/* One MSG_PEEK reads one record: the queue would come back merged or cut. */
	if (u->rqlen && u->type == SOCK_SEQPACKET)
		return dump_fd_unsupported(d, "unix seqpacket socket with queued data");
	return 0;
}

/*
 * Copies the receive queue of stream socket @sk (our copy of the target's)
 * into sk-queues.img with MSG_PEEK, which leaves it queued. A peek offset set
 * by the target would move under MSG_PEEK, and fds in flight would be lost:
 * both are refused.
 */
static int unix_queue(struct dump_ctx *ctx, struct unix_state *s, const struct fd_desc *d, int sk,
		      uint32_t id, size_t len)
{
	SkPacketEntry pe = SK_PACKET_ENTRY__INIT;
	struct iovec iov;
	struct msghdr mh;
	socklen_t ol = sizeof(int);
	int peek_off = -1, ret = 0;
	ssize_t n;
	char *buf;

	if (getsockopt(sk, SOL_SOCKET, SO_PEEK_OFF, &peek_off, &ol) == 0 && peek_off >= 0)
		return dump_fd_unsupported(d, "unix socket with SO_PEEK_OFF set and queued data");
	buf = malloc(len + 1);
	if (!buf)
		return -ENOMEM;
	memset(&mh, 0, sizeof(mh));
	iov.iov_base = buf;
	iov.iov_len = len + 1; /* one more: a queue longer than sock_diag said shows */
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	n = recvmsg(sk, &mh, MSG_PEEK | MSG_DONTWAIT);
	if (n < 0) {
		ret = -errno;
		pr_err("dump: queued data of socket fd %d of %d: %s", d->fd, d->pid,
		       strerror(errno));
	} else if (mh.msg_flags & MSG_CTRUNC) {
		ret = dump_fd_unsupported(d, "unix socket with fds or credentials in flight");
	} else if ((size_t)n != len) {
		pr_err("dump: socket fd %d of %d: %zd bytes queued, sock_diag said %zu", d->fd,
		       d->pid, n, len);
		ret = -EIO;
	}
	if (!ret && !s->skq_img)
		ret = img_open(&ctx->dir, IMG_SK_QUEUES, 0, true, &s->skq_img);
	pe.id_for = id;
	pe.length = (uint32_t)len;
	if (!ret)
		ret = img_write_msg(s->skq_img, &pe.base);
	if (!ret)
		ret = img_write_raw(s->skq_img, buf, len);
	free(buf);
	return ret;
}

/*
 * A relative path is resolved from the process's cwd (where it was bound, as
 * long as the process did not chdir since: the inode check below tells),
 * which restore enters to bind it again.
 */
static int unix_name_dir(const struct fd_desc *d, const struct sock_diag_unix *u,
			 struct unix_state *b)
{
	int ret;

	if (!u->name_len || u->name[0] == 0 || u->name[0] == '/')
		return 0;
	ret = proc_readlink(d->pid, "cwd", b->usk_dir, sizeof(b->usk_dir));
	if (ret) {
		pr_err("dump: socket fd %d of %d: cwd: %s", d->fd, d->pid, strerror(-ret));
		return ret;
	}
	b->usk.name_dir = b->usk_dir;
	return 0;
}

/*
 * A socket that owns a filesystem name: its socket file must be the one at
 * that path (not unlinked, not replaced) in the process's own root.
 */
static int unix_name_file(const struct fd_desc *d, const struct sock_diag_unix *u,
			  struct unix_state *b)
{
	char root[8], path[4300];
	struct stat st;
	int ret;

	if (!u->vfs_ino)
		return 0; /* abstract, or not bound */
	ret = proc_readlink(d->pid, "root", root, sizeof(root));
	if (ret || strcmp(root, "/"))
		return unix_refuse(d, u, "unix socket of a process with its own root, bound to");
	snprintf(path, sizeof(path), "/proc/%d/%s/%.*s", d->pid, b->usk.name_dir ? "cwd" : "root",
		 (int)u->name_len, u->name);
	if (stat(path, &st) || !S_ISSOCK(st.st_mode) || st.st_ino != u->vfs_ino ||
	    major(st.st_dev) != u->vfs_dev >> 20 || minor(st.st_dev) != (u->vfs_dev & 0xfffff))
		return unix_refuse(d, u, "unix socket whose socket file was removed or replaced:");
	b->uperms.mode = st.st_mode;
	b->uperms.uid = st.st_uid;
	b->uperms.gid = st.st_gid;
	b->usk.file_perms = &b->uperms;
	return 0;
}

static int unix_entry(const struct fd_desc *d, const struct sock_diag_unix *u, int sk,
		      FileEntry *fe, struct unix_state *b)
{
	UnixSkEntry *e = &b->usk;
	int ret;

	unix_sk_entry__init(e);
	file_perms_entry__init(&b->uperms);
	sk_opts_entry__init(&b->skopts);
	ret = dump_sk_opts(sk, &b->skopts);

	if (ret) {
		pr_err("dump: options of socket fd %d of %d: %s", d->fd, d->pid, strerror(-ret));
		return ret;
	}
	e->id = fe->id;
	e->ino = u->ino;
	e->type = u->type;
	e->state = u->state;
	e->flags = d->fi.flags & ~O_CLOEXEC;
	e->peer = u->peer;
	/* A listener's sock_diag wqlen is its backlog (sk_max_ack_backlog). */
	e->backlog = u->state == USK_LISTEN ? u->wqlen : 0;
	e->fown = d->fown;
	e->opts = &b->skopts;
	/* As the kernel has it: a path with its NUL, an abstract name with its leading NUL. */
	e->name.len = u->name_len;
	e->name.data = u->name_len ? (uint8_t *)b->usk_name : NULL;
	memcpy(b->usk_name, u->name, u->name_len);
	e->has_shutdown = true;
	e->shutdown = (SkShutdown)(u->shutdown & 3);
	fe->type = FD_TYPES__UNIXSK;
	fe->usk = e;
	ret = unix_name_dir(d, u, b);
	/* Listeners and datagram sockets own their name; an accepted socket shares its listener's.
	 */
	if (!ret && (u->state == USK_LISTEN || u->type == SOCK_DGRAM))
		ret = unix_name_file(d, u, b);
	return ret;
}

static int unix_remember(struct unix_state *s, const struct fd_desc *d, const UnixSkEntry *e)
{
	if (ARRAY_GROW(s->dumped, s->nr_dumped))
		return -ENOMEM;
	s->dumped[s->nr_dumped++] = (struct unix_dumped){e->ino, e->peer, d->pid, d->fd};
	return 0;
}

static int unix_dump(struct dump_ctx *ctx, void *st, struct fd_desc *d, FileEntry *fe)
{
	struct unix_state *s = st;
	const struct sock_diag_unix *u;
	int sk = d->copy, ret;

	if (!s->loaded) {
		ret = sock_diag_unix_list(&s->socks, &s->nr_socks);
		if (ret) {
			pr_err("dump: unix sockets through sock_diag: %s", strerror(-ret));
			return ret;
		}
		s->loaded = true;
	}
	u = sock_diag_unix_find(s->socks, s->nr_socks, (uint32_t)d->st.st_ino);
	if (!u)
		return dump_fd_unsupported(d, "unix socket unknown to sock_diag");
	ret = unix_check(d, u);
	if (!ret)
		ret = unix_entry(d, u, sk, fe, s);
	if (!ret && u->rqlen && u->state == USK_ESTABLISHED)
		ret = unix_queue(ctx, s, d, sk, fe->id, u->rqlen);
	if (!ret)
		ret = unix_remember(s, d, &s->usk);
	return ret;
}

/* Once every fd is known: each connected socket's peer was dumped too. */
static int unix_dump_finish(struct dump_ctx *ctx, void *st)
{
	const struct unix_state *s = st;

	for (size_t i = 0; i < s->nr_dumped; i++) {
		const struct unix_dumped *k = &s->dumped[i];
		bool found = false;

		if (!k->peer)
			continue;
		for (size_t j = 0; j < s->nr_dumped && !found; j++)
			found = s->dumped[j].ino == k->peer;
		if (!found) {
			pr_err("unsupported fd %d of %d: unix socket whose peer (inode %u) is "
			       "outside the dumped tree",
			       k->fd, k->pid, k->peer);
			return -EOPNOTSUPP;
		}
	}
	return 0;
}

static int unix_match(const struct fd_desc *d)
{
	int fam, ret = dump_sk_family(d, &fam);

	return ret ? ret : fam == AF_UNIX;
}

static int unix_init(struct dump_ctx *ctx, void **st)
{
	*st = calloc(1, sizeof(struct unix_state));
	return *st ? 0 : -ENOMEM;
}

static int unix_close(void *st)
{
	struct unix_state *s = st;
	int ret = s ? img_close(s->skq_img) : 0;

	if (s)
		s->skq_img = NULL;
	return ret;
}

static void unix_fini(void *st)
{
	struct unix_state *s = st;

	if (!s)
		return;
	img_close(s->skq_img);
	free(s->socks);
	free(s->dumped);
	free(s);
}

const struct fd_dump_ops dump_fd_unix = {
	.name = "unix socket",
	.type = FD_TYPES__UNIXSK,
	.init = unix_init,
	.match = unix_match,
	.dump = unix_dump,
	.dump_finish = unix_dump_finish,
	.close = unix_close,
	.fini = unix_fini,
};
