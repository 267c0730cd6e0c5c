/*
 * AF_UNIX socket fds, described by sock_diag (type, state, peer, name, socket
 * file, queues). Supported:
 *  - connected stream/seqpacket sockets, named or not, whose peer is in the
 *    tree (checked once every fd is known: unix_dump_finish). An accepted
 *    socket carries its listener's name;
 *  - listeners (TCP_LISTEN) bound to a path or an abstract name, with their
 *    backlog and the connections waiting in their queue, when those come
 *    from sockets of the tree: such a client is dumped with the listener as
 *    its peer (restore connects it again and leaves it queued);
 *  - datagram sockets, bound or not, connected (to a peer in the tree, or
 *    with --ext-unix-sk to a named peer outside it) or not;
 *  - unconnected stream/seqpacket sockets, bound or not.
 * Receive queues go to sk-queues.img, message by message with credentials
 * and files in flight (dump-fd-unix-queue.c). A socket that owns a
 * filesystem name (a listener, a bound datagram or unconnected socket) has
 * its socket file's mode and owner recorded in file_perms; when that file
 * was removed or replaced it is marked deleted. A relative name is resolved
 * from the directory its socket file is in (SIOCUNIXFILE), else from the
 * process's cwd; that goes to name_dir. Everything else fails with
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
#include "dump-fd-unix.h"
#include "log.h"
#include "proc-misc.h"
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
	struct img *skq_img;	      /* sk-queues.img, opened on first use */
	struct unix_queues_held held; /* queues with files in flight, written at dump_finish */
	struct unix_dumped {
		uint32_t ino, peer;
		pid_t pid;
		int fd;
		uint32_t nr_icons;   /* a listener: connections waiting in its queue */
		uint32_t acceptq_of; /* a client waiting in a listener's queue: that listener */
	} * dumped;		     /* the sockets dumped, for the peer check */
	size_t nr_dumped;
	/* the entry being built */
	UnixSkEntry usk;
	FilePermsEntry uperms;
	SkOptsEntry skopts;
	char usk_name[108];
	char usk_dir[4096];
	bool dir_from_file; /* usk_dir is where the socket file is (SIOCUNIXFILE), not the cwd */
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
	char msg[256];

	/* Listeners (with their queue of connections), datagram and unconnected sockets. */
	if (u->state == USK_LISTEN || u->type == SOCK_DGRAM || u->state != USK_ESTABLISHED)
		return 0;
	if (u->peer)
		return 0;
	/* Its peer was closed (the kernel shut both directions down): the queue, then EOF. */
	if (!u->acceptq_of && (u->shutdown & 3) == 3)
		return 0;
	if (!u->acceptq_of)
		return dump_fd_unsupported(d, "unix stream socket without a peer");
	/*
	 * Bytes sent before the accept sit in a socket no fd reaches: only an
	 * accept() would read them, which the target could not undo.
	 */
	if (u->wqlen) {
		/* wqlen counts the sender's buffer memory (truesize), not bytes. */
		snprintf(msg, sizeof(msg),
			 "unix socket that sent data into a connection not yet accepted "
			 "(listener inode %u): it cannot be read without accept(); dump once "
			 "the server accepted it",
			 u->acceptq_of);
		return dump_fd_unsupported(d, msg);
	}
	return 0;
}

/*
 * A relative path is resolved from the directory its socket file is in, as
 * the kernel tells it (SIOCUNIXFILE, also after a chdir or a removal), else
 * from the process's cwd (right as long as the process did not chdir since:
 * the inode check below tells); restore enters it to bind the name again.
 */
static int unix_name_dir(const struct fd_desc *d, const struct sock_diag_unix *u, int sk,
			 struct unix_state *b)
{
	size_t nl = strnlen(u->name, u->name_len), rl;
	unsigned long nlink;
	int ret;

	b->dir_from_file = false;
	if (!u->name_len || u->name[0] == 0 || u->name[0] == '/')
		return 0;
	/* Where its socket file is, when the kernel tells (the cwd may have changed since). */
	if (sock_unix_file(sk, b->usk_dir, sizeof(b->usk_dir), &nlink) == 0 &&
	    (rl = strlen(b->usk_dir)) > nl && b->usk_dir[rl - nl - 1] == '/' &&
	    !memcmp(b->usk_dir + rl - nl, u->name, nl)) {
		b->usk_dir[rl - nl - 1 > 0 ? rl - nl - 1 : 1] = 0;
		b->usk.name_dir = b->usk_dir;
		b->dir_from_file = true;
		return 0;
	}
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
	if (b->dir_from_file)
		snprintf(path, sizeof(path), "%s/%.*s", b->usk_dir, (int)u->name_len, u->name);
	else
		snprintf(path, sizeof(path), "/proc/%d/%s/%.*s", d->pid,
			 b->usk.name_dir ? "cwd" : "root", (int)u->name_len, u->name);
	if (stat(path, &st) || !S_ISSOCK(st.st_mode) || st.st_ino != u->vfs_ino ||
	    major(st.st_dev) != u->vfs_dev >> 20 || minor(st.st_dev) != (u->vfs_dev & 0xfffff)) {
		/*
		 * Removed or replaced (CRIU's "deleted"): restored bound to the same
		 * name, whose file is removed again. A relative name whose directory
		 * the kernel did not tell (no SIOCUNIXFILE) cannot tell a removed
		 * file from a process that changed its cwd since binding.
		 */
		if (b->usk.name_dir && !b->dir_from_file)
			return unix_refuse(d, u,
					   "unix socket whose socket file is not at its relative "
					   "name (removed, or the process changed its cwd):");
		b->usk.has_deleted = true;
		b->usk.deleted = true;
		return 0;
	}
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
	/* A client waiting in a listener's queue: its peer is the listener (as CRIU has it). */
	e->peer = u->peer ? u->peer : u->acceptq_of;
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
	ret = unix_name_dir(d, u, sk, b);
	/*
	 * Listeners, datagram and unconnected sockets own their name; an accepted
	 * socket shares its listener's.
	 */
	if (!ret && (u->state != USK_ESTABLISHED || u->type == SOCK_DGRAM))
		ret = unix_name_file(d, u, b);
	return ret;
}

static int unix_remember(struct unix_state *s, const struct fd_desc *d, const UnixSkEntry *e,
			 const struct sock_diag_unix *u)
{
	if (ARRAY_GROW(s->dumped, s->nr_dumped))
		return -ENOMEM;
	s->dumped[s->nr_dumped++] = (struct unix_dumped){
		e->ino,	      e->peer, d->pid, d->fd, u->state == USK_LISTEN ? u->nr_icons : 0,
		u->acceptq_of};
	return 0;
}

static int unix_dump(struct dump_ctx *ctx, void *st, struct fd_desc *d, FileEntry *fe)
{
	struct unix_state *s = st;
	const struct sock_diag_unix *u;
	int sk = d->copy, ret;

	if (!s->loaded) {
		int back;

		/* the sockets of the tree's network namespace */
		ret = dump_ns_net_enter(ctx, &back);
		if (ret)
			return ret;
		ret = sock_diag_unix_list(&s->socks, &s->nr_socks);
		if (dump_ns_net_leave(back) && !ret)
			ret = -EIO;
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
	/*
	 * A datagram socket's rqlen is its first message's length, which can be 0;
	 * an unconnected stream or seqpacket socket has no queue.
	 */
	if (!ret && (u->type == SOCK_DGRAM ||
		     (u->state == USK_ESTABLISHED && (u->rqlen || u->type == SOCK_SEQPACKET))))
		ret = unix_queue_dump(ctx, &s->skq_img, &s->held, d, sk, fe->id, u);
	if (!ret)
		ret = unix_remember(s, d, &s->usk, u);
	return ret;
}

static bool unix_was_dumped(const struct unix_state *s, uint32_t ino)
{
	for (size_t j = 0; j < s->nr_dumped; j++)
		if (s->dumped[j].ino == ino)
			return true;
	return false;
}

/* A listener's queued connections all come from sockets of the tree (restore makes them). */
static int unix_check_icons(const struct unix_state *s, const struct unix_dumped *k)
{
	const struct sock_diag_unix *u = sock_diag_unix_find(s->socks, s->nr_socks, k->ino);
	uint32_t n = 0;
	char name[128];

	for (size_t j = 0; j < s->nr_dumped; j++)
		n += s->dumped[j].acceptq_of == k->ino;
	if (n >= k->nr_icons)
		return 0;
	pr_err("unsupported fd %d of %d: listening unix socket '%s' with %u connection(s) from "
	       "outside the dumped tree waiting to be accepted (their clients cannot be "
	       "connected to a restored listener: dump once the server accepted them)",
	       k->fd, k->pid, u ? unix_name_str(u, name, sizeof(name)) : "?", k->nr_icons - n);
	return -EOPNOTSUPP;
}

/* A peer outside the tree, reconnected by name at restore (CRIU's uflags bit). */
#define USK_EXTERN 1

static int unix_ext_refuse(const struct unix_dumped *k, const struct sock_diag_unix *u,
			   const struct sock_diag_unix *p, const char *why)
{
	char name[128], pname[128];

	pr_err("unsupported fd %d of %d: unix socket '%s' connected to '%s' (inode %u) outside "
	       "the dumped tree%s",
	       k->fd, k->pid, u ? unix_name_str(u, name, sizeof(name)) : "?",
	       p ? unix_name_str(p, pname, sizeof(pname)) : "(closed)", k->peer, why);
	return -EOPNOTSUPP;
}

/*
 * @k's peer is not in the tree. With --ext-unix-sk (criu's meaning), a
 * datagram socket connected to a peer with a name (/dev/log) is dumped with an
 * entry for that peer (USK_EXTERN, no fd): restore connects to it by name.
 */
static int unix_ext_peer(struct dump_ctx *ctx, struct unix_state *s, const struct unix_dumped *k)
{
	const struct sock_diag_unix *u = sock_diag_unix_find(s->socks, s->nr_socks, k->ino);
	const struct sock_diag_unix *p = sock_diag_unix_find(s->socks, s->nr_socks, k->peer);
	FileEntry fe = FILE_ENTRY__INIT;
	UnixSkEntry e = UNIX_SK_ENTRY__INIT;
	FownEntry fown = FOWN_ENTRY__INIT;
	SkOptsEntry opts = SK_OPTS_ENTRY__INIT;

	if (!ctx->o->ext_unix_sk)
		return unix_ext_refuse(
			k, u, p,
			u && u->type != SOCK_DGRAM
				? "; --ext-unix-sk covers only datagram sockets (as in criu): "
				  "dump the peer's process with the tree"
				: "; --ext-unix-sk reconnects a datagram socket to it by name at "
				  "restore");
	if (!u || u->type != SOCK_DGRAM)
		return unix_ext_refuse(
			k, u, p,
			": a stream connection to a process outside the tree cannot "
			"be made again (--ext-unix-sk covers datagram sockets, as in "
			"criu): dump the peer's process with the tree");
	if (!p || !p->name_len || (p->name[0] && p->name[0] != '/'))
		return unix_ext_refuse(k, u, p,
				       ": it has no absolute or abstract name to reconnect to");
	if (unix_was_dumped(s, k->peer))
		return 0; /* its entry is written already */
	e.id = ++ctx->next_file_id;
	e.ino = p->ino;
	e.type = p->type;
	e.state = p->state;
	e.uflags = USK_EXTERN;
	e.fown = &fown;
	e.opts = &opts;
	e.name.len = p->name_len;
	e.name.data = (uint8_t *)p->name;
	fe.type = FD_TYPES__UNIXSK;
	fe.id = e.id;
	fe.usk = &e;
	if (ARRAY_GROW(s->dumped, s->nr_dumped))
		return -ENOMEM;
	s->dumped[s->nr_dumped++] = (struct unix_dumped){.ino = p->ino, .fd = -1};
	return img_write_msg(ctx->files_img, &fe.base);
}

/* Once every fd is known: each connected socket's peer was dumped too. */
static int unix_dump_finish(struct dump_ctx *ctx, void *st)
{
	struct unix_state *s = st;
	/* The files in flight are dumped: sockets among them join the peer check below. */
	int ret = unix_queues_held_write(ctx, &s->skq_img, &s->held);

	for (size_t i = 0; !ret && i < s->nr_dumped; i++) {
		struct unix_dumped k0 = s->dumped[i], *k = &k0; /* the array grows below */

		ret = k->nr_icons ? unix_check_icons(s, k) : 0;
		if (!ret && k->peer && !unix_was_dumped(s, k->peer))
			ret = unix_ext_peer(ctx, s, k);
	}
	return ret;
}

static void unix_in_flight(void *st, struct dump_in_flight **v, size_t *n)
{
	struct unix_state *s = st;

	*v = s->held.files;
	*n = s->held.nr_files;
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
	unix_queues_held_fini(&s->held);
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
	.in_flight = unix_in_flight,
	.dump_finish = unix_dump_finish,
	.close = unix_close,
	.fini = unix_fini,
};
