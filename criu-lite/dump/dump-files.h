/*
 * The fd kinds of the dump (docs/architecture.md, "fd kinds"): what
 * dump-files.c (iterating fds, fdinfo-N.img) hands each kind, the operations
 * table every kind file (dump-fd-*.c) implements, and the open-file table
 * below them all (dump-filetab.c: files.img, dedup, REG entries).
 */
#ifndef CRL_DUMP_FILES_H
#define CRL_DUMP_FILES_H

#include <stdbool.h>
#include <sys/stat.h>

#include "dump.h"
#include "files.pb-c.h"
#include "proc-fdinfo.h"

/* One fd being dumped: what every kind may look at. */
struct fd_desc {
	pid_t pid;
	int fd;
	int copy; /* the tool's copy of the fd (pidfd_getfd), taken once in dump_one_fd */
	char path[4096];
	struct stat st;
	struct proc_fdinfo fi;
	FownEntry *fown; /* SIGIO owner (dump-files.c), for the kind's sub-message */
	/* a file in flight (pid, fd: the tool's copy): the socket whose queue holds it */
	pid_t to_pid;
	int to_fd;
};

/*
 * A file in flight (SCM_RIGHTS): the tool's descriptor of it (kept open until
 * the dump ends: the object is found again by kcmp on it), the fd of the
 * socket whose queue holds it (for messages), and once dumped its file id.
 */
struct dump_in_flight {
	int fd;
	pid_t to_pid;
	int to_fd;
	uint32_t id; /* 0: not dumped yet */
};

/*
 * One fd kind. A kind owns one FileEntry type (FD_TYPES__UND: it only
 * refuses fds nobody else takes, with a precise message); dump-files.c asks
 * the kinds of dump_fd_kinds in order and gives the fd to the first match.
 * @st is the kind's own state for this dump (dump_ctx.fd_state[type], NULL
 * without init). Every hook but match may be NULL.
 *  init:	 allocates *@st (its images are opened on first use, not here).
 *  match:	 1 if the fd (link text, stat, fdinfo, d->copy) is of this kind,
 *		 0 if not, -errno (logged).
 *  dump:	 a new open file description: fills @fe (type and the kind's
 *		 sub-message, kept in @st until the next call) and writes the
 *		 kind's own images; 1: only @fe->type is set, the kind writes
 *		 the file_entry itself in dump_finish (epoll). Logs.
 *  in_flight:	 the files this kind's objects carry that no fd may hold (fds in
 *		 flight in a unix queue): *@v, *@n, the kind's array, which may
 *		 grow while dump-files.c dumps them (a socket in flight) and fills
 *		 in their ids, before any dump_finish.
 *  dump_finish: once every fd is known (peers inside the tree...). Logs.
 *  close:	 closes the kind's images; their first write error.
 *  release:	 the tree is about to be resumed (@resume) or killed.
 *  fini:	 frees @st (and closes what close did not).
 */
struct fd_dump_ops {
	const char *name;
	FdTypes type;
	int (*init)(struct dump_ctx *ctx, void **st);
	int (*match)(const struct fd_desc *d);
	int (*dump)(struct dump_ctx *ctx, void *st, struct fd_desc *d, FileEntry *fe);
	void (*in_flight)(void *st, struct dump_in_flight **v, size_t *n);
	int (*dump_finish)(struct dump_ctx *ctx, void *st);
	int (*close)(void *st);
	void (*release)(void *st, bool resume);
	void (*fini)(void *st);
};

/* dump-fd-kinds.c: every kind, in matching order. */
extern const struct fd_dump_ops *const dump_fd_kinds[];
extern const size_t dump_fd_nr_kinds;

/* The kinds (each in its dump-fd-*.c). */
extern const struct fd_dump_ops dump_fd_pipe, dump_fd_fifo;	   /* dump-fd-pipe.c */
extern const struct fd_dump_ops dump_fd_unix;			   /* dump-fd-unix.c */
extern const struct fd_dump_ops dump_fd_inet;			   /* dump-fd-inet.c */
extern const struct fd_dump_ops dump_fd_netlink;		   /* dump-fd-netlink.c */
extern const struct fd_dump_ops dump_fd_packet;			   /* dump-fd-packet.c */
extern const struct fd_dump_ops dump_fd_sock_other;		   /* dump-fd-sock.c */
extern const struct fd_dump_ops dump_fd_eventfd, dump_fd_signalfd; /* dump-fd-anon.c */
extern const struct fd_dump_ops dump_fd_timerfd, dump_fd_anon_other;
extern const struct fd_dump_ops dump_fd_eventpoll; /* dump-fd-epoll.c */
extern const struct fd_dump_ops dump_fd_inotify;   /* dump-fd-inotify.c */
extern const struct fd_dump_ops dump_fd_fanotify;  /* dump-fd-fanotify.c */
/*
 * dump-fd-inotify.c: the path, in the tool's view, of the inode of file
 * handle @fh (@fh_bytes, @fh_type) on device @sdev (kernel encoding), by
 * open_by_handle_at on a mount of it; *@path malloc'd. -ENOENT: deleted.
 */
int dump_fh_path(unsigned int sdev, unsigned int fh_bytes, int fh_type, const unsigned char *fh,
		 char **path);
extern const struct fd_dump_ops dump_fd_pidfd; /* dump-fd-pidfd.c */
/* Whether @d is an anon_inode of name @what ("[eventfd]"...). */
int dump_fd_anon_is(const struct fd_desc *d, const char *what);
extern const struct fd_dump_ops dump_fd_tty;		  /* dump-fd-tty.c */
extern const struct fd_dump_ops dump_fd_memfd;		  /* dump-fd-memfd.c */
extern const struct fd_dump_ops dump_fd_reg, dump_fd_blk; /* dump-fd-reg.c */

/* dump-filetab.c: the open-file objects already in files.img. */
/* One open-file object already in files.img. */
struct dump_file_key {
	dev_t dev;
	ino_t ino;
	unsigned int flags; /* path-only objects (maps, exe, cwd): open flags */
	pid_t pid;	    /* fd-backed objects: an owner, for kcmp */
	int fd;		    /* -1 for path-only objects */
	FdTypes type;
	uint32_t id;
	bool reserved; /* id given to a mapping (dump_fd_file_id), entry not written yet */
};
/* Records @k (fd-backed: after dump_filetab_find_fd for the same fd). 0 or -ENOMEM. */
int dump_filetab_add(struct dump_ctx *ctx, const struct dump_file_key *k);
/* The key of an fd whose open file is one we saw already, or NULL. */
const struct dump_file_key *dump_filetab_find_fd(struct dump_ctx *ctx, const struct fd_desc *d);
void dump_filetab_fini(struct dump_ctx *ctx);
/* "unsupported fd N of PID: WHAT" (a file in flight: named by its socket), -EOPNOTSUPP. */
int dump_fd_unsupported(const struct fd_desc *d, const char *what);

/*
 * dump-remap.c: an unlinked file that still has other links is given one
 * more name, link_remap.ID next to its old one, recorded in remap-fpath.img
 * (CRIU's LINKED remap); the restore opens the same inode through it and
 * removes it. The names made by a dump that fails are removed again.
 */
struct dump_link_remaps {
	const struct img_dir *dir; /* the images: no inventory at the end means failed */
	struct img *img;	   /* remap-fpath.img, opened on first use */
	struct dump_link_remap {
		dev_t dev;
		ino_t ino;
		uint32_t id; /* the REG entry of the new name */
		bool made;   /* made by this dump (removed if it fails) */
		char *path;
	} * v;
	size_t n;
};
/* Links @d's file to a new name and records it as REG entry @id's remap. Logs. */
int dump_link_remap(struct dump_ctx *ctx, struct dump_link_remaps *l, const struct fd_desc *d,
		    uint32_t id);
/* Closes remap-fpath.img, returning its write error. */
int dump_link_remaps_close(struct dump_link_remaps *l);
/* Removes the names made if the dump failed; frees. */
void dump_link_remaps_fini(struct dump_link_remaps *l);

/* dump-fd-sock.c: helpers of the socket kinds. */
/* SOL_SOCKET options common to every socket kind into @o. 0 or -errno. */
int dump_sk_opts(int sk, SkOptsEntry *o);
/* *@fam: @d's socket family (read on d->copy), -1 if @d is no socket. 0 or -errno (logged). */
int dump_sk_family(const struct fd_desc *d, int *fam);

/* dump-fd-tcp.c: established TCP connections, kept in repair mode (inet kind). */
struct dump_tcp_locks {
	struct dump_tcp_lock {
		int fd;	   /* copy of an established TCP socket, in repair mode */
		int reuse; /* its SO_REUSEADDR before */
	} * v;
	size_t n;
};
/*
 * A connected TCP socket into tcp-stream-@ino.img, left in repair mode; its
 * state as read in repair mode into *@state. Logs.
 */
int dump_tcp_stream(struct dump_ctx *ctx, struct dump_tcp_locks *l, const struct fd_desc *d, int sk,
		    uint32_t ino, uint32_t *state);
/* Repair mode off if the tree goes on (@resume); else the sockets stay in it. */
void dump_tcp_unlock(struct dump_tcp_locks *l, bool resume);
/* Closes the copies (silently while in repair mode). */
void dump_tcp_fini(struct dump_tcp_locks *l);

/*
 * File locks listed in @d's fdinfo (dump-locks.c) into filelocks.img, each
 * once; refuses (-EOPNOTSUPP, logged) leases, mandatory locks and locks of a
 * process outside the tree. @file_id: the open-file object of @d.
 */
int dump_fd_locks(struct dump_ctx *ctx, const struct fd_desc *d, uint32_t file_id);
/* Closes filelocks.img, returning its write error (logged). */
int dump_locks_finish(struct dump_ctx *ctx);
void dump_locks_fini(struct dump_ctx *ctx);

#endif
