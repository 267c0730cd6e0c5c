/*
 * pty pairs the tree owns (it holds the master): tmux, screen, script,
 * expect, sshd's sessions. Once every fd is known, each pair gets one
 * tty_info_entry per side (CRIU's layout: master with rdev 5:2, slave
 * with its /dev/pts rdev, both with pty.index; /dev/tty fds of it a CTTY
 * entry) holding the termios, locked termios, window size, packet mode,
 * pty lock, exclusive mode and, on the slave, the session it is the
 * controlling terminal of and its foreground group. The bytes queued in the
 * pair go to tty-data.img, each under the side that reads them next.
 *
 * Reading the queues takes the bytes out of the frozen tree's terminal: if
 * the tree goes on (--leave-running, or the dump fails) release puts them
 * back, through TIOCSTI on the same side (kernel-iface/tty.h), before the
 * tree runs again. A packet-mode control byte the program has not read yet
 * cannot be put back: such a dump is refused (retry once the program ran).
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "array.h"
#include "dump-tty.h"
#include "log.h"
#include "proc-mountinfo.h"
#include "tty.pb-c.h"

struct dump_tty *dump_tty_find(struct dump_tty_state *s, unsigned int index,
			       enum dump_tty_side side)
{
	for (size_t i = 0; i < s->nr; i++)
		if (s->ttys[i].index == index && s->ttys[i].side == side)
			return &s->ttys[i];
	return NULL;
}

void dump_tty_termios(int fd, TtyInfoEntry *ti, TermiosEntry *te, uint32_t *cc, WinsizeEntry *ws)
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

int dump_tty_write_info(struct dump_ctx *ctx, struct dump_tty_state *s, const TtyInfoEntry *ti)
{
	int ret = s->info ? 0 : img_open(&ctx->dir, IMG_TTY_INFO, 0, true, &s->info);

	return ret ? ret : img_write_msg(s->info, &ti->base);
}

static int pty_data(struct dump_ctx *ctx, struct dump_tty_state *s, uint32_t id,
		    const struct tty_bytes *b)
{
	TtyDataEntry e = TTY_DATA_ENTRY__INIT;
	int ret;

	if (!b->n)
		return 0;
	ret = s->data ? 0 : img_open(&ctx->dir, IMG_TTY_DATA, 0, true, &s->data);
	e.tty_id = id;
	e.data.data = b->p;
	e.data.len = b->n;
	return ret ? ret : img_write_msg(s->data, &e.base);
}

/* The pair's state from its master (and slave, for exclusive mode) into @ti. */
static void pty_state(int master, int slave, TtyInfoEntry *ti, TermiosEntry *lk, uint32_t *lcc)
{
	struct termios t;
	int v = 0;
	pid_t p;

	if (ioctl(master, TIOCGPTLCK, &v) == 0)
		ti->locked = v != 0;
	if (ioctl(master, TIOCGPKT, &v) == 0)
		ti->packet_mode = v != 0;
	if (slave >= 0 && ioctl(slave, TIOCGEXCL, &v) == 0)
		ti->exclusive = v != 0;
	/* A master may ask for its slave's session and foreground group. */
	if (ioctl(master, TIOCGSID, &p) == 0 && p > 0)
		ti->sid = (uint32_t)p;
	if (ti->sid && ioctl(master, TIOCGPGRP, &p) == 0 && p > 0)
		ti->pgrp = (uint32_t)p;
	memset(&t, 0, sizeof(t)); /* the kernel fills its own, shorter struct termios */
	if (ioctl(master, TIOCGLCKTRMIOS, &t) == 0) {
		lk->c_iflag = t.c_iflag;
		lk->c_oflag = t.c_oflag;
		lk->c_cflag = t.c_cflag;
		lk->c_lflag = t.c_lflag;
		lk->c_line = t.c_line;
		for (size_t i = 0; i < NCCS; i++)
			lcc[i] = t.c_cc[i];
		lk->n_c_cc = NCCS;
		lk->c_cc = lcc;
		ti->termios_locked = lk;
	}
}

/* Takes the queued bytes of the pair into a new queue record (released by dump_pty_release). */
static int pty_take(struct dump_tty_state *s, int master, int slave, bool packet,
		    struct dump_pty_queue **out, const char **what)
{
	struct dump_pty_queue *q;
	int ret;

	if (ARRAY_GROW(s->q, s->nr_q))
		return -ENOMEM;
	q = &s->q[s->nr_q];
	memset(q, 0, sizeof(*q));
	q->master = fcntl(master, F_DUPFD_CLOEXEC, 0);
	q->slave = slave >= 0 ? fcntl(slave, F_DUPFD_CLOEXEC, 0) : -1;
	if (q->master < 0 || (slave >= 0 && q->slave < 0) || tcgetattr(master, &q->t)) {
		ret = -errno;
		close(q->master);
		if (q->slave >= 0)
			close(q->slave);
		return ret;
	}
	s->nr_q++;
	*out = q;
	/* Any termios change of an EXTPROC pty in packet mode is reported to its master. */
	if (packet && (q->t.c_lflag & EXTPROC) && (q->t.c_lflag & ICANON)) {
		*what = "canonical input of a packet-mode pty with EXTPROC (telnetd's mode)";
		return -EOPNOTSUPP;
	}
	*what = "output the master has not read";
	ret = tty_take_output(q->master, packet, &q->out);
	if (!ret && q->slave >= 0) {
		*what = "input the slave has not read";
		ret = tty_take_input(q->slave, &q->in);
	}
	return ret;
}

/*
 * A slave descriptor for pair @m: the tree's, or -1. The tool opens none of
 * its own: closing the last open slave marks the master's side closed (reads
 * then fail with EIO), which would change a pair whose slave nobody opened.
 */
static int pty_slave_fd(struct dump_tty_state *s, const struct dump_tty *m)
{
	struct dump_tty *sl = dump_tty_find(s, m->index, DUMP_TTY_SLAVE);
	struct dump_tty *ct = dump_tty_find(s, m->index, DUMP_TTY_CTTY);

	return sl ? sl->copy : ct ? ct->copy : -1;
}

static void pty_info_init(TtyInfoEntry *ti, const struct dump_tty *t, uint32_t id, dev_t rdev,
			  TtyType type)
{
	ti->id = id;
	ti->type = type;
	ti->rdev = (uint32_t)rdev;
	ti->has_dev = ti->has_uid = ti->has_gid = false;
	if (t) {
		ti->has_dev = ti->has_uid = ti->has_gid = true;
		ti->dev = (uint32_t)t->st.st_dev;
		ti->uid = t->st.st_uid;
		ti->gid = t->st.st_gid;
	}
}

/* One owned pair (@m, its master): its tty_info entries and queued bytes. Logs. */
static int pty_dump_pair(struct dump_ctx *ctx, struct dump_tty_state *s, struct dump_tty *m)
{
	TtyInfoEntry mi = TTY_INFO_ENTRY__INIT, si = TTY_INFO_ENTRY__INIT;
	TermiosEntry te = TERMIOS_ENTRY__INIT, lk = TERMIOS_ENTRY__INIT;
	WinsizeEntry ws = WINSIZE_ENTRY__INIT;
	TtyPtyEntry pty = TTY_PTY_ENTRY__INIT;
	struct dump_tty *sl = dump_tty_find(s, m->index, DUMP_TTY_SLAVE);
	struct dump_tty *ct = dump_tty_find(s, m->index, DUMP_TTY_CTTY);
	struct dump_pty_queue *q = NULL;
	uint32_t cc[NCCS], lcc[NCCS];
	const char *what = "its state";
	int slave = pty_slave_fd(s, m), ret, v = 0;

	pty.index = m->index;
	/* Master: the pair's state (it is the slave's, which the master reaches). */
	pty_info_init(&mi, m, m->id, m->st.st_rdev, TTY_TYPE__PTY);
	mi.pty = &pty;
	dump_tty_termios(m->copy, &mi, &te, cc, &ws);
	pty_state(m->copy, -1, &mi, &lk, lcc);
	if (ioctl(m->copy, TIOCGEXCL, &v) == 0)
		mi.exclusive = v != 0;
	/* Slave: the same, plus its own exclusive mode and the session it controls. */
	si = mi;
	pty_info_init(&si, sl, sl ? sl->id : ++ctx->next_file_id,
		      makedev(TTY_PTS_MAJOR_FIRST, m->index), TTY_TYPE__PTY);
	si.exclusive = false;
	pty_state(m->copy, slave, &si, &lk, lcc);
	mi.sid = mi.pgrp = 0;
	ret = pty_take(s, m->copy, slave, mi.packet_mode, &q, &what);
	if (!ret)
		ret = dump_tty_write_info(ctx, s, &mi);
	if (!ret)
		ret = dump_tty_write_info(ctx, s, &si);
	if (!ret && ct) {
		TtyInfoEntry ci = si;

		pty_info_init(&ci, ct, ct->id, ct->st.st_rdev, TTY_TYPE__CTTY);
		ret = dump_tty_write_info(ctx, s, &ci);
	}
	if (!ret)
		ret = pty_data(ctx, s, m->id, &q->out);
	if (!ret)
		ret = pty_data(ctx, s, si.id, &q->in);
	if (ret == -EBUSY)
		pr_err("dump: pty %u (fd %d of %d) is in packet mode with a control byte its "
		       "program has not read yet; dump again once it ran",
		       m->index, m->fd, m->pid);
	else if (ret)
		pr_err("dump: pty %u (fd %d of %d): %s: %s", m->index, m->fd, m->pid, what,
		       strerror(-ret));
	else
		pr_debug("pty %u: %zu bytes queued to the master, %zu to the slave%s", m->index,
			 q->out.n, q->in.n,
			 slave < 0 ? " (no slave open in the tree: not read)" : "");
	return ret;
}

#ifndef DEVPTS_SUPER_MAGIC
#define DEVPTS_SUPER_MAGIC 0x1cd1
#endif

/* Whether a devpts of device @dev is mounted in the mount namespace of @pid. */
static bool pty_devpts_of(pid_t pid, dev_t dev)
{
	struct proc_mounts ms;
	bool found = false;

	if (proc_read_mountinfo(pid, &ms))
		return false;
	for (size_t i = 0; i < ms.n && !found; i++)
		found = !strcmp(ms.m[i].fstype, "devpts") && ms.m[i].maj == major(dev) &&
			ms.m[i].min == minor(dev);
	proc_mounts_free(&ms);
	return found;
}

/*
 * Pairs are made again on the tool's /dev/pts, or on a devpts of the
 * tree's own mount namespace (restore-pty.c): one of another devpts
 * instance is refused. Logs.
 */
static int pty_check_instance(struct dump_ctx *ctx, struct dump_tty_state *s,
			      const struct dump_tty *m)
{
	const struct dump_tty *sl = dump_tty_find(s, m->index, DUMP_TTY_SLAVE);
	struct statfs sf;
	struct stat tool;
	dev_t dev;

	if (sl)
		dev = sl->st.st_dev;
	else if (!fstatfs(m->copy, &sf) && sf.f_type == DEVPTS_SUPER_MAGIC)
		dev = m->st.st_dev; /* a devpts's own ptmx */
	else
		return 0;
	if (stat("/dev/pts", &tool) || tool.st_dev == dev || pty_devpts_of(ctx->tasks[0].pid, dev))
		return 0;
	pr_err("dump: pty %u (fd %d of %d) is of a devpts instance neither the tool's /dev/pts "
	       "nor mounted in the tree's mount namespace: not restored (docs/containers.md)",
	       m->index, m->fd, m->pid);
	return -EOPNOTSUPP;
}

int dump_pty_finish(struct dump_ctx *ctx, struct dump_tty_state *s)
{
	int ret = 0;

	for (size_t i = 0; !ret && i < s->nr; i++)
		if (s->ttys[i].side == DUMP_TTY_MASTER)
			ret = pty_check_instance(ctx, s, &s->ttys[i])
				      ?: pty_dump_pair(ctx, s, &s->ttys[i]);
	return ret;
}

void dump_pty_release(struct dump_tty_state *s, bool resume)
{
	for (size_t i = 0; i < s->nr_q; i++) {
		struct dump_pty_queue *q = &s->q[i];
		int ret = 0;

		if (resume && q->out.n)
			ret = tty_put_output(q->master, q->out.p, q->out.n);
		if (resume && !ret && q->in.n && q->slave >= 0)
			ret = tty_put_input(q->slave, &q->t, q->in.p, q->in.n);
		if (ret)
			pr_warn("pty of fd %d: cannot give back its queued bytes: %s", q->master,
				strerror(-ret));
		close(q->master);
		if (q->slave >= 0)
			close(q->slave);
		free(q->out.p);
		free(q->in.p);
	}
	free(s->q);
	s->q = NULL;
	s->nr_q = 0;
}
