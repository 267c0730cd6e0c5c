/*
 * Terminals: the tty fd kind. Each fd on a terminal is a TTY file_entry
 * (tty_file_entry: its tty_info id, flags, owner, and its path as a REG
 * entry through regf_id); the terminals themselves go once each into
 * tty-info.img when every fd is known (dump_finish), because whether a
 * pty slave's master is in the tree decides what it is:
 * - a pty pair whose master (/dev/ptmx) the tree holds (tmux, screen,
 *   script, expect, sshd's sessions) is dumped whole by dump-fd-pty.c:
 *   master, slave and /dev/tty entries of it, state and queued bytes;
 * - a pty slave whose master is elsewhere is the terminal the tree shares
 *   with someone outside it: only with --shell-job (criu's meaning: the
 *   calling shell's terminal, which restore gives the tool's own), or with
 *   RPC orphan_pts_master (a container's console whose master the engine
 *   holds: restore makes a new pair and gives the client its master);
 * - consoles, virtual and serial terminals are refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "array.h"
#include "dump-files.h"
#include "dump-tty.h"
#include "log.h"
#include "tty.pb-c.h"

static int tty_match(const struct fd_desc *d)
{
	unsigned int ma = major(d->st.st_rdev), idx;

	return S_ISCHR(d->st.st_mode) && !(d->fi.flags & O_PATH) &&
	       (ma == 4 || ma == TTY_AUX_MAJOR || tty_pts_index(d->st.st_rdev, &idx));
}

/* Which pty side @d is, or a refusal naming the terminal (logged). */
static int tty_classify(const struct fd_desc *d, enum dump_tty_side *side, unsigned int *index)
{
	unsigned int ma = major(d->st.st_rdev), mi = minor(d->st.st_rdev);
	dev_t real;
	int ret;

	if (tty_pts_index(d->st.st_rdev, index)) {
		*side = DUMP_TTY_SLAVE;
		return 0;
	}
	if (ma == TTY_PTMX_MAJOR && mi == TTY_PTMX_MINOR) {
		*side = DUMP_TTY_MASTER;
		ret = tty_ptmx_index(d->copy, index);
		if (ret)
			pr_err("dump: pty master fd %d of %d: its number (TIOCGPTN): %s", d->fd,
			       d->pid, strerror(-ret));
		return ret;
	}
	if (ma == TTY_AUX_MAJOR && mi == 0 && !tty_real_dev(d->copy, &real) &&
	    tty_pts_index(real, index)) {
		*side = DUMP_TTY_CTTY;
		return 0;
	}
	if (ma == TTY_AUX_MAJOR && mi == 0)
		return dump_fd_unsupported(d,
					   "/dev/tty of a terminal that is not a pseudo-terminal "
					   "(a console or serial line): only ptys are dumped");
	if (ma == TTY_AUX_MAJOR && mi == 1)
		return dump_fd_unsupported(d, "the system console /dev/console: consoles are not "
					      "checkpointed; run the program with its output "
					      "elsewhere");
	return dump_fd_unsupported(
		d, ma == 4 && mi < 64 ? "a virtual terminal (/dev/ttyN): only pseudo-terminals "
					"are checkpointed; run it under tmux or screen"
				      : "a serial or other hardware terminal: only "
					"pseudo-terminals are checkpointed");
}

/* The record of pty side (@index, @side), added on first sight with a copy of @d. */
static int tty_record(struct dump_ctx *ctx, struct dump_tty_state *s, const struct fd_desc *d,
		      unsigned int index, enum dump_tty_side side, uint32_t *id)
{
	struct dump_tty *t = dump_tty_find(s, index, side);

	if (t) {
		*id = t->id;
		return 0;
	}
	if (ARRAY_GROW(s->ttys, s->nr))
		return -ENOMEM;
	t = &s->ttys[s->nr];
	memset(t, 0, sizeof(*t));
	t->copy = fcntl(d->copy, F_DUPFD_CLOEXEC, 0);
	if (t->copy < 0)
		return -errno;
	t->index = index;
	t->side = side;
	t->id = ++ctx->next_file_id;
	t->pid = d->pid;
	t->fd = d->fd;
	t->st = d->st;
	s->nr++;
	*id = t->id;
	return 0;
}

static int tty_dump(struct dump_ctx *ctx, void *st, struct fd_desc *d, FileEntry *fe)
{
	struct dump_tty_state *b = st;
	enum dump_tty_side side = DUMP_TTY_SLAVE;
	unsigned int index = 0;
	uint32_t info = 0, regf = 0;
	int ret;

	ret = tty_classify(d, &side, &index);
	if (ret)
		return ret;
	ret = tty_record(ctx, b, d, index, side, &info);
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

/*
 * A pty slave whose master is not in the tree: with --shell-job, the
 * terminal restore replaces by its own, or with orphan_pts_master the
 * console restore makes again (index, termios, window size, and
 * the session and foreground group it controls, if any). Logs.
 */
static int tty_shell_job(struct dump_ctx *ctx, struct dump_tty_state *s, const struct dump_tty *t)
{
	TtyInfoEntry ti = TTY_INFO_ENTRY__INIT;
	TermiosEntry te = TERMIOS_ENTRY__INIT;
	WinsizeEntry ws = WINSIZE_ENTRY__INIT;
	TtyPtyEntry pty = TTY_PTY_ENTRY__INIT;
	uint32_t cc[NCCS];
	int tty_nr = 0, tpgid = 0, sid = 0, excl = 0, ret;

	if (ctx->o->orphan_pts_master && t->side == DUMP_TTY_CTTY) {
		pr_err("unsupported fd %d of %d: /dev/tty of /dev/pts/%u, a console whose master "
		       "the engine holds (RPC orphan_pts_master): only its /dev/pts/%u fds are "
		       "dumped, not /dev/tty",
		       t->fd, t->pid, t->index, t->index);
		return -EOPNOTSUPP;
	}
	if (!(ctx->o->shell_job || ctx->o->orphan_pts_master) || t->side != DUMP_TTY_SLAVE) {
		pr_err("unsupported fd %d of %d: tty %s/dev/pts/%u, a pseudo-terminal whose master "
		       "(/dev/ptmx) no process of the tree holds: dump the tree that holds it too "
		       "(the tmux or screen server, sshd's session, the terminal emulator)%s",
		       t->fd, t->pid, t->side == DUMP_TTY_CTTY ? "/dev/tty, the controlling " : "",
		       t->index,
		       t->side == DUMP_TTY_SLAVE ? ", or pass --shell-job when it is the terminal "
						   "of the calling shell"
						 : "");
		return -EOPNOTSUPP;
	}
	ti.id = t->id;
	ti.type = TTY_TYPE__PTY;
	ti.rdev = (uint32_t)t->st.st_rdev;
	ti.has_dev = ti.has_uid = ti.has_gid = true;
	ti.dev = (uint32_t)t->st.st_dev;
	ti.uid = t->st.st_uid;
	ti.gid = t->st.st_gid;
	if (ioctl(t->copy, TIOCGEXCL, &excl) == 0)
		ti.exclusive = excl != 0;
	pty.index = t->index;
	ti.pty = &pty;
	dump_tty_termios(t->copy, &ti, &te, cc, &ws);
	/* The controlling terminal of the process's session: record the relation. */
	if (tty_ctl(t->pid, &tty_nr, &tpgid, &sid) == 0 && (dev_t)tty_nr == t->st.st_rdev) {
		ti.sid = (uint32_t)sid;
		ti.pgrp = tpgid > 0 ? (uint32_t)tpgid : 0;
	}
	ret = dump_tty_write_info(ctx, s, &ti);
	if (ret)
		pr_err("dump: tty-info.img: %s", strerror(-ret));
	return ret;
}

static int tty_dump_finish(struct dump_ctx *ctx, void *st)
{
	struct dump_tty_state *s = st;
	int ret = 0;

	for (size_t i = 0; !ret && s && i < s->nr; i++)
		if (!dump_tty_find(s, s->ttys[i].index, DUMP_TTY_MASTER))
			ret = tty_shell_job(ctx, s, &s->ttys[i]);
	return ret ? ret : s ? dump_pty_finish(ctx, s) : 0;
}

static int tty_init(struct dump_ctx *ctx, void **st)
{
	(void)ctx;
	*st = calloc(1, sizeof(struct dump_tty_state));
	return *st ? 0 : -ENOMEM;
}

static int tty_close(void *st)
{
	struct dump_tty_state *s = st;
	int ret = 0, r;

	if (!s)
		return 0;
	ret = img_close(s->info);
	r = img_close(s->data);
	s->info = s->data = NULL;
	return ret ? ret : r;
}

static void tty_release(void *st, bool resume)
{
	if (st)
		dump_pty_release(st, resume);
}

static void tty_fini(void *st)
{
	struct dump_tty_state *s = st;

	if (!s)
		return;
	tty_close(s);
	dump_pty_release(s, false);
	for (size_t i = 0; i < s->nr; i++)
		close(s->ttys[i].copy);
	free(s->ttys);
	free(s);
}

const struct fd_dump_ops dump_fd_tty = {
	.name = "tty",
	.type = FD_TYPES__TTY,
	.init = tty_init,
	.match = tty_match,
	.dump = tty_dump,
	.dump_finish = tty_dump_finish,
	.close = tty_close,
	.release = tty_release,
	.fini = tty_fini,
};
