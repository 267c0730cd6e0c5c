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

/*
 * One fd kind, owning one FileEntry type. Its state, if it has one, is
 * rst_ctx.fd_state[type], made on first use by rst_fd_state (a staged
 * restore and the mapping of a memfd reach kinds without rst_files_open).
 * Every hook but check and open may be NULL.
 *  init/fini:	allocates (NULL: -ENOMEM) and frees the state.
 *  check:	whether restore supports the entry (before any process
 *		exists; restore-read.c says which fd of which pid it refuses).
 *  open_early:	before every other file (names and ports others use).
 *  open:	the tool's descriptor of @fe, for @t, the first process holding
 *		it. Logs.
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
extern const struct fd_rst_ops rst_fd_timerfd, rst_fd_eventpoll;
extern const struct fd_rst_ops rst_fd_inet;    /* restore-inet.c */
extern const struct fd_rst_ops rst_fd_unix;    /* restore-unix.c */
extern const struct fd_rst_ops rst_fd_netlink; /* restore-netlink.c */
extern const struct fd_rst_ops rst_fd_packet;  /* restore-packet.c */
extern const struct fd_rst_ops rst_fd_tty;     /* restore-tty.c */
extern const struct fd_rst_ops rst_fd_memfd;   /* restore-memfd.c */

/* restore-filetab.c */
/* The index of file @id in c->fentries (and c->files), -1 if none. */
int rst_file_index(const struct rst_ctx *c, uint32_t id);
/* @k's state in @c, made on first use; NULL: no memory. */
void *rst_fd_state(struct rst_ctx *c, const struct fd_rst_ops *k);

#endif
