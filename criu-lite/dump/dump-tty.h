/*
 * The terminals of one dump, shared by the tty fd kind (dump-fd-tty.c:
 * which fd is which terminal) and the pty pairs (dump-fd-pty.c: their
 * state, queued bytes and tty-info/tty-data images, once every fd is known).
 */
#ifndef CRL_DUMP_TTY_H
#define CRL_DUMP_TTY_H

#include <stdbool.h>
#include <sys/stat.h>
#include <termios.h>

#include "dump.h"
#include "files.pb-c.h"
#include "tty.h"
#include "tty.pb-c.h"

enum dump_tty_side {
	DUMP_TTY_MASTER, /* /dev/ptmx */
	DUMP_TTY_SLAVE,	 /* /dev/pts/N */
	DUMP_TTY_CTTY,	 /* /dev/tty opened on /dev/pts/N */
};

/* One side of pty N the tree holds (an fd of it), with the tty_info id its file entries use. */
struct dump_tty {
	unsigned int index;
	enum dump_tty_side side;
	uint32_t id;
	int copy;  /* the tool's descriptor of it (dup of the first fd's copy) */
	pid_t pid; /* the first holder, for messages */
	int fd;
	struct stat st;
};

/* Bytes taken out of a pair at dump, put back if the tree goes on. */
struct dump_pty_queue {
	int master, slave; /* the tool's descriptors (dups), -1 */
	struct termios t;  /* the slave's termios when read */
	struct tty_bytes out, in;
};

struct dump_tty_state {
	struct img *info; /* tty-info.img */
	struct img *data; /* tty-data.img */
	struct dump_tty *ttys;
	size_t nr;
	struct dump_pty_queue *q;
	size_t nr_q;
	TtyFileEntry tty; /* the file entry being built */
};

/* dump-fd-pty.c */
/* The side @side of pty @index, or NULL. */
struct dump_tty *dump_tty_find(struct dump_tty_state *s, unsigned int index,
			       enum dump_tty_side side);
/* Pairs whose master the tree holds: state, queued bytes, images. Others: NULL. Logs. */
int dump_pty_finish(struct dump_ctx *ctx, struct dump_tty_state *s);
/* Gives back the bytes taken (@resume: the tree goes on), closes the copies. */
void dump_pty_release(struct dump_tty_state *s, bool resume);
/* The termios, window size and ids shared with the --shell-job slaves of dump-fd-tty.c. */
void dump_tty_termios(int fd, TtyInfoEntry *ti, TermiosEntry *te, uint32_t *cc, WinsizeEntry *ws);
int dump_tty_write_info(struct dump_ctx *ctx, struct dump_tty_state *s, const TtyInfoEntry *ti);

#endif
