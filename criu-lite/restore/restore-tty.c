/*
 * Restore: terminal fds of a --shell-job dump. The job's terminal was the
 * calling shell's; the restored job belongs to the shell that runs restore,
 * so every tty fd is reopened on the tool's own terminal (the one on its
 * stdin) with the recorded flags, and the restored root joins the tool's
 * session and foreground group (restore-tree.c). Without --shell-job a tty
 * fd is refused.
 *
 * That terminal then gets the job's recorded state (tty-info.img), so that
 * the job finds it as it left it:
 * - the window size as soon as the terminal is opened, before any restored
 *   process exists: a change of size sends SIGWINCH to the terminal's
 *   foreground group, which the restored processes join later, and they must
 *   not get a signal the original never had;
 * - termios (flags, line discipline number, speeds, every c_cc) and
 *   exclusive mode in rst_tty_apply, once every process is rebuilt and just
 *   before the tree resumes: until then the tool's own messages go out as the
 *   user had the terminal, and a restore that fails leaves them alone.
 * If the job held several terminals (they all become the tool's one), the
 * state applied is that of its session's controlling terminal.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "log.h"
#include "restore-fd.h"

#include "tty.pb-c.h"

static bool rst_tty_supported(const FileEntry *fe)
{
	return fe->tty != NULL;
}

/* Whether some TTY file entry of the caller's terminal refers to tty_info_entry @id (any: 0). */
static bool rst_tty_used(struct rst_ctx *c, uint32_t id)
{
	for (size_t i = 0; i < c->nr_files; i++) {
		const FileEntry *fe = c->fentries[i];
		bool owned = false;

		if (fe->type == FD_TYPES__TTY && fe->tty && (!id || fe->tty->tty_info_id == id) &&
		    !rst_pty_owns(c, rst_fd_state(c, &rst_fd_tty), fe, &owned) && !owned)
			return true;
	}
	return false;
}

/*
 * The recorded state to give the tool's terminal (free with img_free_msg):
 * the controlling terminal's entry among those the tty fds refer to, else the
 * first of them; NULL when the images hold none. Logs; @warn: say it when the
 * job had several terminals.
 */
static int rst_tty_pick(struct rst_ctx *c, bool warn, TtyInfoEntry **out)
{
	TtyInfoEntry *best = NULL;
	ProtobufCMessage *m;
	struct img *img;
	size_t nr = 0;
	int ret;

	*out = NULL;
	if (!rst_tty_used(c, 0))
		return 0;
	ret = img_open(&c->dir, IMG_TTY_INFO, 0, false, &img);
	if (ret == -ENOENT) {
		if (warn)
			pr_warn("--shell-job: the images hold no tty-info.img: the terminal keeps "
				"its settings");
		return 0;
	}
	if (ret)
		return ret;
	while ((ret = img_read_msg(img, &tty_info_entry__descriptor, &m)) == 1) {
		TtyInfoEntry *ti = (TtyInfoEntry *)m;

		if (!rst_tty_used(c, ti->id)) {
			img_free_msg(m);
			continue;
		}
		nr++;
		if (best && (best->sid || !ti->sid)) {
			img_free_msg(m);
			continue;
		}
		img_free_msg((ProtobufCMessage *)best);
		best = ti;
	}
	img_close(img);
	if (ret < 0) {
		img_free_msg((ProtobufCMessage *)best);
		return ret;
	}
	if (!best) {
		pr_err("tty-info.img: no entry for the terminal of the tty fds");
		return -EINVAL;
	}
	if (warn && nr > 1)
		pr_warn("--shell-job: the job held %zu terminals, all restored on the tool's; it "
			"gets the state of terminal %u",
			nr, best->id);
	*out = best;
	return 0;
}

/* Sets the recorded window size on @fd, only if it differs (no needless SIGWINCH). */
static int rst_tty_winsize(struct rst_ctx *c, int fd)
{
	struct winsize cur, w;
	TtyInfoEntry *ti;
	int ret;

	ret = rst_tty_pick(c, false, &ti);
	if (ret || !ti || !ti->winsize)
		goto out;
	w.ws_row = (unsigned short)ti->winsize->ws_row;
	w.ws_col = (unsigned short)ti->winsize->ws_col;
	w.ws_xpixel = (unsigned short)ti->winsize->ws_xpixel;
	w.ws_ypixel = (unsigned short)ti->winsize->ws_ypixel;
	if (ioctl(fd, TIOCGWINSZ, &cur) == 0 && !memcmp(&cur, &w, sizeof(w)))
		goto out;
	if (ioctl(fd, TIOCSWINSZ, &w)) {
		ret = -errno;
		pr_err("--shell-job: cannot give the terminal the window size %ux%u: %s", w.ws_row,
		       w.ws_col, strerror(errno));
		goto out;
	}
	pr_debug("--shell-job: terminal window size %ux%u", w.ws_row, w.ws_col);
out:
	img_free_msg((ProtobufCMessage *)ti);
	return ret;
}

static int rst_tty_open(struct rst_ctx *c, const struct rst_task *t, const FileEntry *fe, int *fdp)
{
	int flags = (int)fe->tty->flags & ~(O_CREAT | O_TRUNC | O_EXCL | O_CLOEXEC);
	void *st = rst_fd_state(c, &rst_fd_tty);
	char path[256];
	bool owned = false;
	int fd, ret;

	/* A pty pair of the tree's own (restore-pty.c); the rest was the caller's terminal. */
	ret = rst_pty_owns(c, st, fe, &owned);
	if (ret || owned)
		return ret ? ret : rst_pty_open(c, st, fe, fdp);
	if (!c->o->shell_job) {
		pr_err("tty file id %u: the images hold a terminal: restore with --shell-job",
		       fe->id);
		return -EOPNOTSUPP;
	}
	ret = ttyname_r(STDIN_FILENO, path, sizeof(path));
	if (ret) {
		pr_err("tty file id %u: --shell-job needs a terminal on the tool's stdin: %s",
		       fe->id, strerror(ret));
		return -ret;
	}
	fd = open(path, flags | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		pr_err("tty file id %u: cannot open the tool's terminal '%s': %s", fe->id, path,
		       strerror(errno));
		return ret;
	}
	ret = rst_tty_winsize(c, fd);
	if (ret) {
		close(fd);
		return ret;
	}
	*fdp = fd;
	return 0;
}

/* Settings the terminal did not take as recorded (a pty may adjust c_cflag): said, not fatal. */
static void rst_tty_verify(int fd, const struct termios *want, const TermiosEntry *te)
{
	struct termios t;

	if (tcgetattr(fd, &t))
		return;
	if (t.c_iflag != want->c_iflag || t.c_oflag != want->c_oflag ||
	    t.c_cflag != want->c_cflag || t.c_lflag != want->c_lflag ||
	    memcmp(t.c_cc, want->c_cc, sizeof(t.c_cc)))
		pr_warn("--shell-job: the terminal did not take every recorded setting (cflag %#x, "
			"recorded %#x)",
			t.c_cflag, want->c_cflag);
	if ((te->c_ospeed && cfgetospeed(&t) != te->c_ospeed) ||
	    (te->c_ispeed && cfgetispeed(&t) != te->c_ispeed))
		pr_warn("--shell-job: terminal speeds %u/%u, recorded %u/%u", cfgetispeed(&t),
			cfgetospeed(&t), te->c_ispeed, te->c_ospeed);
}

/*
 * The job was its terminal's foreground group and leads its own group (an
 * interactive shell, or a job it ran in the foreground): that group, kept by
 * the restore (rst_task_pgid), becomes the tool's terminal's foreground
 * group. Otherwise an interactive shell's next tcsetpgrp to its own group
 * leaves it in the background, where reading the terminal gets EIO.
 */
static int rst_tty_foreground(struct rst_ctx *c, int fd, const TtyInfoEntry *ti)
{
	const PstreeEntry *root = c->tasks[0].pe;
	sigset_t ttou, old;
	int ret = 0;

	if (!ti->pgrp || ti->pgrp != root->pgid || root->pgid != root->pid)
		return 0;
	/* The tool is in the foreground now; it no longer is after this. */
	sigemptyset(&ttou);
	sigaddset(&ttou, SIGTTOU);
	sigprocmask(SIG_BLOCK, &ttou, &old);
	if (tcsetpgrp(fd, (pid_t)root->pgid))
		ret = -errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (ret)
		pr_err("--shell-job: cannot make the job's group %u the terminal's foreground "
		       "group: %s",
		       root->pgid, strerror(-ret));
	else
		pr_debug("--shell-job: group %u is the terminal's foreground group", root->pgid);
	return ret;
}

int rst_tty_apply(struct rst_ctx *c)
{
	sigset_t ttou, old;
	struct termios t;
	TtyInfoEntry *ti;
	int ret, fd = STDIN_FILENO; /* the terminal every tty fd was opened on */

	ret = rst_tty_pick(c, true, &ti);
	if (ret || !ti)
		return ret;
	if (ti->termios && tcgetattr(fd, &t) == 0) {
		rst_termios_set(ti->termios, &t);
		/* The tool may run in the background: SIGTTOU would stop it. */
		sigemptyset(&ttou);
		sigaddset(&ttou, SIGTTOU);
		sigprocmask(SIG_BLOCK, &ttou, &old);
		if (tcsetattr(fd, TCSANOW, &t))
			ret = -errno;
		sigprocmask(SIG_SETMASK, &old, NULL);
		if (!ret)
			rst_tty_verify(fd, &t, ti->termios);
	} else if (ti->termios) {
		ret = -errno;
	}
	if (!ret && ti->exclusive && ioctl(fd, TIOCEXCL))
		ret = -errno;
	if (!ret)
		ret = rst_tty_foreground(c, fd, ti);
	if (ret)
		pr_err("--shell-job: cannot give the terminal the job's settings: %s",
		       strerror(-ret));
	else
		pr_debug("--shell-job: terminal settings of tty %u applied", ti->id);
	img_free_msg(&ti->base);
	return ret;
}

RST_FD_FOWN(rst_tty_fown, tty)

const struct fd_rst_ops rst_fd_tty = {
	.name = "tty",
	.type = FD_TYPES__TTY,
	.init = rst_pty_new,
	.fini = rst_pty_free,
	.check = rst_tty_supported,
	.open = rst_tty_open,
	.finish = rst_pty_finish,
	.close = rst_pty_close,
	.fown = rst_tty_fown,
};
