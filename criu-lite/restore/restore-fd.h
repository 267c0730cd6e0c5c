/*
 * The fd kinds of the restore (docs/architecture.md, "fd kinds"): the
 * operations table every kind file implements, the table of kinds
 * (restore-fd-kinds.c) and the open-file table below them all
 * (restore-filetab.c).
 */
#ifndef CRL_RESTORE_FD_H
#define CRL_RESTORE_FD_H

#include "img-fd.h"
#include "restore.h"

/* A file no process may hold (in flight): its id, and that of the file it rides in. */
struct rst_unheld {
	uint32_t id;
	uint32_t in;
};

/*
 * One fd kind, owning one FileEntry type. Its state, if it has one, is
 * rst_ctx.fd_state[type], made on first use by rst_fd_state (a staged
 * restore and the mapping of a memfd reach kinds without rst_files_open).
 * Every hook but check and open (or install) may be NULL.
 *  init/fini:	allocates (NULL: -ENOMEM) and frees the state.
 *  check:	whether restore supports the entry (before any process
 *		exists; restore-read.c says which fd of which pid it refuses).
 *  open_early:	before every other file (names and ports others use).
 *  open:	the tool's descriptor of @fe, for @t, the first process holding
 *		it. Logs. Not called for a kind with install.
 *  unheld:	the files this kind's objects carry that no process may hold
 *		(fds in flight in a unix queue) into *@v, *@n (malloc'd): each
 *		is opened by the tool once every process's files are, as for the
 *		first process holding the file it rides in. Logs.
 *  install:	instead of open, for what the tool cannot make before the
 *		processes exist (pidfd): a new descriptor of @fe made by the
 *		new process itself while installing its fds. No logging; -errno.
 *  finish:	once every file is open (queued data, peers, repair mode). Logs.
 *  close:	the tool lets go of its helper descriptors (the tree is made).
 *  fown:	the SIGIO owner of @fe (NULL if it has none) and its open-file
 *		flags (*@flags); runs in new processes too: no logging.
 */
struct fd_rst_ops {
	const char *name;
	FdTypes type;
	void *(*init)(void);
	void (*fini)(void *st);
	bool (*check)(const FileEntry *fe);
	int (*open_early)(struct rst_ctx *c);
	int (*open)(struct rst_ctx *c, const struct rst_task *t, const FileEntry *fe, int *fd);
	int (*install)(const struct rst_ctx *c, const FileEntry *fe, int *fd);
	int (*unheld)(struct rst_ctx *c, struct rst_unheld **v, size_t *n);
	int (*finish)(struct rst_ctx *c);
	void (*close)(void *st);
	const FownEntry *(*fown)(const struct rst_ctx *c, const FileEntry *fe, uint32_t *flags);
};

/* The fown hook of a kind whose sub-message @field carries flags and fown. */
#define RST_FD_FOWN(fn, field)                                                                     \
	static const FownEntry *fn(const struct rst_ctx *c, const FileEntry *fe, uint32_t *flags)  \
	{                                                                                          \
		*flags = fe->field ? fe->field->flags : 0;                                         \
		return fe->field ? fe->field->fown : NULL;                                         \
	}

/* restore-fd-kinds.c: every kind; the kind of FileEntry type @type, or NULL. */
extern const struct fd_rst_ops *const rst_fd_kinds[];
extern const size_t rst_fd_nr_kinds;
const struct fd_rst_ops *rst_fd_kind(int type);

/* The kinds (each in its own file). */
extern const struct fd_rst_ops rst_fd_reg;			/* restore-reg.c */
extern const struct fd_rst_ops rst_fd_pipe, rst_fd_fifo;	/* restore-pipe.c */
extern const struct fd_rst_ops rst_fd_eventfd, rst_fd_signalfd; /* restore-anon.c */
extern const struct fd_rst_ops rst_fd_timerfd;
extern const struct fd_rst_ops rst_fd_eventpoll; /* restore-epoll.c */
extern const struct fd_rst_ops rst_fd_inet;	 /* restore-inet.c */
extern const struct fd_rst_ops rst_fd_unix;	 /* restore-unix.c */
extern const struct fd_rst_ops rst_fd_netlink;	 /* restore-netlink.c */
extern const struct fd_rst_ops rst_fd_packet;	 /* restore-packet.c */
extern const struct fd_rst_ops rst_fd_tty;	 /* restore-tty.c */
extern const struct fd_rst_ops rst_fd_memfd;	 /* restore-memfd.c */
extern const struct fd_rst_ops rst_fd_inotify;	 /* restore-inotify.c */
extern const struct fd_rst_ops rst_fd_pidfd;	 /* restore-pidfd.c */
extern const struct fd_rst_ops rst_fd_fanotify;	 /* restore-fanotify.c */

/* restore-ghost.c: files that had no name at dump time (ghost-file-ID.img). */
struct rst_ghost {
	struct GhostFileEntry *g; /* NULL: none loaded */
	struct img *img;	  /* positioned after the entry: the content */
};
/* Ghost image @id's entry into @gh; -ENOENT if there is none, other -errno logged. */
int rst_ghost_load(struct rst_ctx *c, uint32_t id, struct rst_ghost *gh);
void rst_ghost_free(struct rst_ghost *gh);
/* A free name for a file that was @name: @name or @name.crl-ghost.N. */
int rst_ghost_name(const char *name, char *path, size_t len);
/* Creates the file (regular, with its content, or FIFO) at a free name for @name into @path. */
int rst_ghost_make(struct rst_ghost *gh, const char *name, char *path, size_t len);
/* @fe's unlinked regular file again, opened with @flags, nameless. Logs. */
int rst_ghost_open(const FileEntry *fe, struct rst_ghost *gh, int flags, int *fdp);

/* restore-procfile.c: files under /proc of the restored tree itself. */
/* Whether @name is /proc/PID/... of a process or thread of the tree. */
bool rst_procfile_of_tree(const struct rst_ctx *c, const char *name);
/* The tool's stand-in for such a file until its process opens it (/dev/null). Logs. */
int rst_procfile_placeholder(const FileEntry *fe, int *fdp);

/* restore-fdmove.c: one fd of the new process, @dst, from the inherited @src (-1: made later). */
struct rst_fd_move {
	int src;
	int dst;
	bool cloexec;
};
/*
 * Every @src (>= 0) duplicated to its @dst at once, with at most one descriptor
 * more than held before; each @src closed once copied, unless it is a @dst.
 * Other fds stay. No logging; -errno (-EINVAL: two at one number).
 */
int rst_fd_move(const struct rst_fd_move *m, size_t n);

/* restore-filetab.c */
/* The index of file @id in c->fentries (and c->files), -1 if none. */
int rst_file_index(const struct rst_ctx *c, uint32_t id);
/* @k's state in @c, made on first use; NULL: no memory. */
void *rst_fd_state(struct rst_ctx *c, const struct fd_rst_ops *k);

#endif
