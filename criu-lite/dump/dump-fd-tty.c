/*
 * Terminals. With --shell-job (criu's meaning: the tree is a job of the
 * calling shell, its terminal is the shell's) a pseudo-terminal slave fd is
 * recorded as a TTY file_entry (tty_file_entry, its path as a REG entry
 * through regf_id) and the terminal once in tty-info.img (tty_info_entry:
 * index, termios, window size, the session and foreground group it is the
 * controlling terminal of, if any). Restore points such fds at the restoring
 * tool's own terminal. Without --shell-job, or for other terminals (consoles,
 * virtual terminals, /dev/tty, pty masters), the dump is refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>

#include "array.h"
#include "dump-files.h"
#include "log.h"
#include "tty.pb-c.h"

#define TTY_PTS_MAJOR_FIRST 136
#define TTY_PTS_MAJOR_LAST 143

/* The kind's state for one dump. */
struct tty_state {
	struct img *img; /* tty-info.img, opened on the first tty */
	dev_t *rdevs;	 /* ttys already in it, and their tty_info ids */
	uint32_t *ids;
	size_t nr;
	TtyFileEntry tty; /* the entry being built */
};

static int tty_match(const struct fd_desc *d)
{
	unsigned int ma = major(d->st.st_rdev);

	return S_ISCHR(d->st.st_mode) && !(d->fi.flags & O_PATH) &&
	       (ma == 4 || ma == 5 || (ma >= TTY_PTS_MAJOR_FIRST && ma <= TTY_PTS_MAJOR_LAST));
}

/* Session and foreground group of @pid's controlling terminal, from /proc/PID/stat. */
static int tty_ctl(pid_t pid, int *tty_nr, int *tpgid, int *sid)
{
	char path[64], buf[1024], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	/* after comm: state ppid pgrp session tty_nr tpgid */
	if (!p || sscanf(p + 1, " %*c %*d %*d %d %d %d", sid, tty_nr, tpgid) != 3)
		return -EINVAL;
	return 0;
}

static void tty_termios(int fd, TtyInfoEntry *ti, TermiosEntry *te, uint32_t *cc, WinsizeEntry *ws)
{
	struct termios t;
	struct winsize w;

	if (tcgetattr(fd, &t) == 0) {
		te->c_iflag = t.c_iflag;
		te->c_oflag = t.c_oflag;
		te->c_cflag = t.c_cflag;
		te->c_lflag = t.c_lflag;
		te->c_line = t.c_line;
		te->c_ispeed = cfgetispeed(&t);
		te->c_ospeed = cfgetospeed(&t);
		for (size_t i = 0; i < NCCS; i++)
			cc[i] = t.c_cc[i];
		te->n_c_cc = NCCS;
		te->c_cc = cc;
		ti->termios = te;
	}
	if (ioctl(fd, TIOCGWINSZ, &w) == 0) {
		ws->ws_row = w.ws_row;
		ws->ws_col = w.ws_col;
		ws->ws_xpixel = w.ws_xpixel;
		ws->ws_ypixel = w.ws_ypixel;
		ti->winsize = ws;
	}
}

/* The tty_info_entry of terminal d->st.st_rdev, written on first sight. */
static int tty_info(struct dump_ctx *ctx, struct tty_state *s, const struct fd_desc *d,
		    uint32_t *id)
{
	TtyInfoEntry ti = TTY_INFO_ENTRY__INIT;
	TermiosEntry te = TERMIOS_ENTRY__INIT;
	WinsizeEntry ws = WINSIZE_ENTRY__INIT;
	TtyPtyEntry pty = TTY_PTY_ENTRY__INIT;
	uint32_t cc[NCCS];
	int tty_nr = 0, tpgid = 0, sid = 0, excl = 0, ret;

	for (size_t i = 0; i < s->nr; i++)
		if (s->rdevs[i] == d->st.st_rdev) {
			*id = s->ids[i];
			return 0;
		}
	ti.id = ++ctx->next_file_id;
	ti.type = TTY_TYPE__PTY;
	ti.rdev = (uint32_t)d->st.st_rdev;
	ti.has_dev = ti.has_uid = ti.has_gid = true;
	ti.dev = (uint32_t)d->st.st_dev;
	ti.uid = d->st.st_uid;
	ti.gid = d->st.st_gid;
	if (ioctl(d->copy, TIOCGEXCL, &excl) == 0)
		ti.exclusive = excl != 0;
	pty.index = (major(d->st.st_rdev) - TTY_PTS_MAJOR_FIRST) * 256 + minor(d->st.st_rdev);
	ti.pty = &pty;
	tty_termios(d->copy, &ti, &te, cc, &ws);
	/* The controlling terminal of the process's session: record the relation. */
	if (tty_ctl(d->pid, &tty_nr, &tpgid, &sid) == 0 && (dev_t)tty_nr == d->st.st_rdev) {
		ti.sid = (uint32_t)sid;
		ti.pgrp = tpgid > 0 ? (uint32_t)tpgid : 0;
	}
	if (ARRAY_GROW(s->rdevs, s->nr) || ARRAY_GROW(s->ids, s->nr))
		return -ENOMEM;
	ret = s->img ? 0 : img_open(&ctx->dir, IMG_TTY_INFO, 0, true, &s->img);
	if (!ret)
		ret = img_write_msg(s->img, &ti.base);
	if (ret)
		return ret;
	s->rdevs[s->nr] = d->st.st_rdev;
	s->ids[s->nr++] = ti.id;
	*id = ti.id;
	return 0;
}

static int tty_dump(struct dump_ctx *ctx, void *st, struct fd_desc *d, FileEntry *fe)
{
	struct tty_state *b = st;
	unsigned int ma = major(d->st.st_rdev);
	uint32_t info, regf;
	int ret;

	if (!ctx->o->shell_job)
		return dump_fd_unsupported(d, "tty (a terminal is dumped only with --shell-job)");
	if (ma < TTY_PTS_MAJOR_FIRST || ma > TTY_PTS_MAJOR_LAST)
		return dump_fd_unsupported(
			d, "tty other than a pseudo-terminal slave (console, vt, /dev/tty, ptmx)");
	ret = tty_info(ctx, b, d, &info);
	if (!ret)
		ret = dump_reg_file(ctx, d->path, d->fi.flags & ~O_CLOEXEC, &d->st, &regf);
	if (ret) {
		pr_err("dump: terminal of fd %d of %d: %s", d->fd, d->pid, strerror(-ret));
		return ret;
	}
	tty_file_entry__init(&b->tty);
	b->tty.id = fe->id;
	b->tty.tty_info_id = info;
	b->tty.flags = d->fi.flags & ~O_CLOEXEC;
	b->tty.fown = d->fown;
	b->tty.has_regf_id = true;
	b->tty.regf_id = regf;
	fe->type = FD_TYPES__TTY;
	fe->tty = &b->tty;
	return 0;
}

static int tty_init(struct dump_ctx *ctx, void **st)
{
	*st = calloc(1, sizeof(struct tty_state));
	return *st ? 0 : -ENOMEM;
}

static int tty_close(void *st)
{
	struct tty_state *s = st;
	int ret = s ? img_close(s->img) : 0;

	if (s)
		s->img = NULL;
	return ret;
}

static void tty_fini(void *st)
{
	struct tty_state *s = st;

	if (!s)
		return;
	img_close(s->img);
	free(s->rdevs);
	free(s->ids);
	free(s);
}

const struct fd_dump_ops dump_fd_tty = {
	.name = "tty",
	.type = FD_TYPES__TTY,
	.init = tty_init,
	.match = tty_match,
	.dump = tty_dump,
	.close = tty_close,
	.fini = tty_fini,
};
