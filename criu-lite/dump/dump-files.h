/* Internal to the fd dumpers: dump-files.c, every dump-fd-*.c, dump-locks.c. */
#ifndef CRL_DUMP_FILES_H
#define CRL_DUMP_FILES_H

#include <sys/stat.h>

#include "dump.h"
#include "files.pb-c.h"
#include "proc-fdinfo.h"

/* One open-file object already in files.img. */
struct dump_file_key {
	dev_t dev;
	ino_t ino;
	unsigned int flags; /* path-only objects (maps, exe, cwd): open flags */
	pid_t pid;	    /* fd-backed objects: an owner, for kcmp */
	uint32_t peer;	    /* unix sockets: the peer's inode */
	int fd;		    /* -1 for path-only objects */
	FdTypes type;
	uint32_t id;
};

/* Sub-messages of the file_entry being built for one fd. */
struct fd_bufs {
	RegFileEntry r;
	PipeEntry p;
	FifoEntry f;
	EventfdFileEntry efd;
	SignalfdEntry sfd;
	TimerfdEntry tfd;
	EventpollFileEntry ep;
	EventpollTfdEntry *ep_tfds; /* malloc'd, with ep_tfdp */
	EventpollTfdEntry **ep_tfdp;
	UnixSkEntry usk;
	FilePermsEntry uperms;
	char usk_name[108];
	char usk_dir[4096];
	SkOptsEntry skopts;
	InetSkEntry isk;
	IpOptsEntry ipopts;
	uint32_t isk_src[4], isk_dst[4];
	TtyFileEntry tty;
	MemfdFileEntry memfd;
	FownEntry fown;
};

struct fd_desc {
	pid_t pid;
	int fd;
	int copy; /* the tool's copy of the fd (pidfd_getfd), taken once in dump_one_fd */
	char path[4096];
	struct stat st;
	struct proc_fdinfo fi;
};

/* "unsupported fd N of PID: WHAT", -EOPNOTSUPP. */
int dump_fd_unsupported(const struct fd_desc *d, const char *what);
/* anon_inode fds: eventfd, signalfd, timerfd, eventpoll; others unsupported. */
int dump_fd_anon(struct dump_ctx *ctx, const struct fd_desc *d, FileEntry *fe, struct fd_bufs *b);

/* Socket fds: unix and inet sockets (the kinds their files support); others unsupported. */
int dump_fd_socket(struct dump_ctx *ctx, const struct fd_desc *d, FileEntry *fe, struct fd_bufs *b);
/* unix sockets (dump-fd-unix.c): @sk is the tool's copy of the fd. */
int dump_fd_unix(struct dump_ctx *ctx, const struct fd_desc *d, int sk, FileEntry *fe,
		 struct fd_bufs *b);

/* inet sockets (dump-fd-inet.c): @sk is the tool's copy of the fd. */
int dump_fd_inet(struct dump_ctx *ctx, const struct fd_desc *d, int sk, FileEntry *fe,
		 struct fd_bufs *b);
/* An established TCP socket into tcp-stream-@ino.img, left in repair mode (dump-fd-tcp.c). */
int dump_tcp_stream(struct dump_ctx *ctx, const struct fd_desc *d, int sk, uint32_t ino);
void dump_tcp_fini(struct dump_ctx *ctx);

/* Terminals (dump-fd-tty.c): pseudo-terminal slaves with --shell-job, else refused. */
bool dump_fd_is_tty(const struct stat *st);
int dump_fd_tty(struct dump_ctx *ctx, const struct fd_desc *d, FileEntry *fe, struct fd_bufs *b);
/* memfd files (dump-fd-memfd.c): the object once (name, seals, content), then the fd. */
int dump_fd_memfd(struct dump_ctx *ctx, const struct fd_desc *d, FileEntry *fe,
		  struct fd_bufs *b);
/*
 * File locks listed in @d's fdinfo (dump-locks.c) into filelocks.img, each
 * once; refuses (-EOPNOTSUPP, logged) leases, mandatory locks and locks of a
 * process outside the tree. @file_id: the open-file object of @d.
 */
int dump_fd_locks(struct dump_ctx *ctx, const struct fd_desc *d, uint32_t file_id);
/* Closes filelocks.img, returning its write error (logged). */
int dump_locks_finish(struct dump_ctx *ctx);
void dump_locks_fini(struct dump_ctx *ctx);
/* SOL_SOCKET options common to every socket kind into @o. 0 or -errno. */
int dump_sk_opts(int sk, SkOptsEntry *o);

#endif
