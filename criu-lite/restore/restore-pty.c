/*
 * Restore: pty pairs the tree owned (dump-fd-pty.c). Each pair is made
 * again on the same pty number (programs keep /dev/pts/N: tmux shows it,
 * ttyname() returns it): /dev/ptmx is opened until the kernel hands out
 * that number (it hands out the lowest free one; the ones below are closed
 * again), else the restore fails naming the pty in use. Then, before any
 * process exists (so no SIGWINCH or job-control signal reaches anyone):
 * unlocked, its slave opened by the tool, termios and window size, the
 * slave's queued input put back through its line discipline (canonical
 * lines marked again), the master's queued output put back, locked termios,
 * packet mode. Each slave file entry is a new open of /dev/pts/N, the
 * master's a descriptor of the one master, a /dev/tty entry is opened by a
 * short-lived helper that makes the pty its controlling terminal (the
 * description then outlives the helper's session). Once every file is open:
 * exclusive mode and the pty lock. In the tree, the session leader makes the
 * slave its controlling terminal (TIOCSCTTY) before forking, and the leader
 * of the recorded foreground group makes its group the foreground one
 * (rst_pty_session, restore-tree.c).
 *
 * With RPC orphan_pts_master, a slave whose master was outside the tree (a
 * container's console, runc's terminal: true) is made the same way on a new
 * pair; its master, which has no state of its own in the images, goes to the
 * RPC client in the notify "orphan-pts-master" (the fd attached), as criu
 * sends it: runc hands it on to its --console-socket.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "array.h"
#include "log.h"
#include "restore-fd.h"
#include "tty.h"

#include "tty.pb-c.h"

#define RST_PTY_MAX_TRIES 4096 /* ptmx opens to reach a pty number */

struct rst_pty {
	unsigned int index;
	const TtyInfoEntry *master, *slave; /* the slave's may be missing */
	const ProtobufCBinaryData *out, *in;
	int mfd, sfd; /* the tool's master and slave, -1 until made */
	bool orphan;  /* the master was outside the tree: the RPC client gets it */
};

/* The master of an orphan slave: no state (not exclusive, locked or in packet mode). */
static const TtyInfoEntry rst_pty_no_master = TTY_INFO_ENTRY__INIT;

struct rst_pty_state {
	bool loaded;
	TtyInfoEntry **infos;
	size_t nr_infos;
	TtyDataEntry **data;
	size_t nr_data;
	struct rst_pty *p;
	size_t nr;
};

void *rst_pty_new(void)
{
	return calloc(1, sizeof(struct rst_pty_state));
}

void rst_pty_close(void *st)
{
	struct rst_pty_state *s = st;

	for (size_t i = 0; i < s->nr; i++) {
		if (s->p[i].mfd >= 0)
			close(s->p[i].mfd);
		if (s->p[i].sfd >= 0)
			close(s->p[i].sfd);
		s->p[i].mfd = s->p[i].sfd = -1;
	}
}

void rst_pty_free(void *st)
{
	struct rst_pty_state *s = st;

	if (!s)
		return;
	rst_pty_close(s);
	for (size_t i = 0; i < s->nr_infos; i++)
		img_free_msg(&s->infos[i]->base);
	for (size_t i = 0; i < s->nr_data; i++)
		img_free_msg(&s->data[i]->base);
	free(s->infos);
	free(s->data);
	free(s->p);
	free(s);
}

static bool rst_pty_is_master(const TtyInfoEntry *ti)
{
	return ti->type == TTY_TYPE__PTY && ti->pty &&
	       ti->rdev == (uint32_t)makedev(TTY_PTMX_MAJOR, TTY_PTMX_MINOR);
}

static struct rst_pty *rst_pty_by_index(struct rst_pty_state *s, unsigned int index)
{
	for (size_t i = 0; i < s->nr; i++)
		if (s->p[i].index == index)
			return &s->p[i];
	return NULL;
}

static const TtyInfoEntry *rst_pty_info(const struct rst_pty_state *s, uint32_t id)
{
	for (size_t i = 0; i < s->nr_infos; i++)
		if (s->infos[i]->id == id)
			return s->infos[i];
	return NULL;
}

static const ProtobufCBinaryData *rst_pty_bytes(const struct rst_pty_state *s,
						const TtyInfoEntry *ti)
{
	for (size_t i = 0; ti && i < s->nr_data; i++)
		if (s->data[i]->tty_id == ti->id)
			return &s->data[i]->data;
	return NULL;
}

/* Every entry of @k in @dir into *@v (a missing image holds none). Logs. */
static int rst_pty_read(struct rst_ctx *c, enum img_kind k, const ProtobufCMessageDescriptor *d,
			void ***v, size_t *n)
{
	ProtobufCMessage *m;
	struct img *img;
	int ret = img_open(&c->dir, k, 0, false, &img);

	if (ret == -ENOENT)
		return 0;
	while (!ret && (ret = img_read_msg(img, d, &m)) == 1) {
		ret = ARRAY_GROW(*v, *n) ? -ENOMEM : 0;
		if (ret)
			img_free_msg(m);
		else
			(*v)[(*n)++] = m;
	}
	img_close(img);
	if (ret < 0)
		pr_err("%s: %s", img_kind_desc(k)->name, strerror(-ret));
	return ret < 0 ? ret : 0;
}

/* Slaves without a master in the images: pairs whose master the RPC client gets. */
static int rst_pty_orphans(struct rst_pty_state *s)
{
	for (size_t i = 0; i < s->nr_infos; i++) {
		const TtyInfoEntry *ti = s->infos[i];
		struct rst_pty *p;

		if (ti->type != TTY_TYPE__PTY || !ti->pty || rst_pty_is_master(ti) ||
		    rst_pty_by_index(s, ti->pty->index))
			continue;
		if (ARRAY_GROW(s->p, s->nr))
			return -ENOMEM;
		p = &s->p[s->nr++];
		memset(p, 0, sizeof(*p));
		p->index = ti->pty->index;
		p->master = &rst_pty_no_master;
		p->slave = ti;
		p->in = rst_pty_bytes(s, ti);
		p->mfd = p->sfd = -1;
		p->orphan = true;
	}
	return 0;
}

/* tty-info.img and tty-data.img, once; the pairs whose master the images hold. Logs. */
static int rst_pty_load(struct rst_ctx *c, struct rst_pty_state *s)
{
	int ret;

	if (s->loaded)
		return 0;
	s->loaded = true;
	ret = rst_pty_read(c, IMG_TTY_INFO, &tty_info_entry__descriptor, (void ***)&s->infos,
			   &s->nr_infos);
	if (!ret)
		ret = rst_pty_read(c, IMG_TTY_DATA, &tty_data_entry__descriptor, (void ***)&s->data,
				   &s->nr_data);
	for (size_t i = 0; !ret && i < s->nr_infos; i++) {
		const TtyInfoEntry *ti = s->infos[i];
		struct rst_pty *p;

		if (!rst_pty_is_master(ti) || rst_pty_by_index(s, ti->pty->index))
			continue;
		if (ARRAY_GROW(s->p, s->nr))
			return -ENOMEM;
		p = &s->p[s->nr++];
		memset(p, 0, sizeof(*p));
		p->index = ti->pty->index;
		p->master = ti;
		p->mfd = p->sfd = -1;
		p->out = rst_pty_bytes(s, ti);
	}
	for (size_t i = 0; !ret && i < s->nr_infos; i++) {
		const TtyInfoEntry *ti = s->infos[i];
		struct rst_pty *p = ti->pty ? rst_pty_by_index(s, ti->pty->index) : NULL;

		if (p && ti->type == TTY_TYPE__PTY && !rst_pty_is_master(ti)) {
			p->slave = ti;
			p->in = rst_pty_bytes(s, ti);
		}
	}
	if (!ret && c->o->orphan_pts_master)
		ret = rst_pty_orphans(s);
	return ret;
}

int rst_pty_owns(struct rst_ctx *c, void *st, const FileEntry *fe, bool *owned)
{
	struct rst_pty_state *s = st;
	const TtyInfoEntry *ti;
	int ret;

	*owned = false;
	if (!s)
		return -ENOMEM;
	ret = rst_pty_load(c, s);
	ti = fe->tty ? rst_pty_info(s, fe->tty->tty_info_id) : NULL;
	if (!ret && ti && ti->pty && (ti->type == TTY_TYPE__PTY || ti->type == TTY_TYPE__CTTY))
		*owned = rst_pty_by_index(s, ti->pty->index) != NULL;
	return ret;
}

void rst_termios_set(const TermiosEntry *te, struct termios *t)
{
	t->c_iflag = te->c_iflag;
	t->c_oflag = te->c_oflag;
	t->c_cflag = te->c_cflag;
	t->c_lflag = te->c_lflag;
	t->c_line = (cc_t)te->c_line;
	for (size_t i = 0; i < te->n_c_cc && i < NCCS; i++)
		t->c_cc[i] = (cc_t)te->c_cc[i];
}

/*
 * The devpts pair @p was in, made again for the tree's own mount namespace
 * (an fd of its mount), or AT_FDCWD with @dir "/dev/pts/": the tool's.
 */
static int rst_pty_devpts(const struct rst_ctx *c, const struct rst_pty *p, const char **dir)
{
	const TtyInfoEntry *ti = p->slave && p->slave->has_dev ? p->slave : p->master;
	int fd = ti->has_dev ? rst_ns_devpts(c, major(ti->dev), minor(ti->dev)) : -ENOENT;

	*dir = fd >= 0 ? "" : "/dev/pts/";
	return fd >= 0 ? fd : AT_FDCWD;
}

/* A master on pty number @want, with @flags: ptmx opened until it comes. */
static int rst_pty_ptmx(int dfd, unsigned int want, int flags, int *out)
{
	int *held = NULL, fd = -1, ret = -EBUSY;
	size_t nr = 0;

	for (int i = 0; i < RST_PTY_MAX_TRIES; i++) {
		unsigned int idx;

		fd = openat(dfd, dfd == AT_FDCWD ? "/dev/ptmx" : "ptmx",
			    flags | O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (fd < 0) {
			ret = -errno;
			break;
		}
		ret = tty_ptmx_index(fd, &idx);
		if (ret || idx >= want) {
			ret = ret ? ret : idx == want ? 0 : -EBUSY;
			break;
		}
		/* Held, so that the next open gets a higher number. */
		if (ARRAY_GROW(held, nr)) {
			ret = -ENOMEM;
			break;
		}
		held[nr++] = fd;
		fd = -1;
	}
	for (size_t i = 0; i < nr; i++)
		close(held[i]);
	free(held);
	if (ret && fd >= 0)
		close(fd);
	if (!ret)
		*out = fd;
	return ret;
}

/* The flags of the master's file entry (O_NONBLOCK...). */
static int rst_pty_master_flags(const struct rst_ctx *c, const struct rst_pty *p)
{
	for (size_t i = 0; !p->orphan && i < c->nr_files; i++) {
		const FileEntry *fe = c->fentries[i];

		if (fe->type == FD_TYPES__TTY && fe->tty && fe->tty->tty_info_id == p->master->id)
			return (int)fe->tty->flags & (O_NONBLOCK | O_APPEND | O_NOATIME);
	}
	return 0;
}

/* The pair's state and queued bytes, set on the new pair before any process exists. */
static int rst_pty_setup(const struct rst_pty *p, const char **what)
{
	const TtyInfoEntry *ti = p->slave ? p->slave : p->master;
	struct termios t;
	int one = 1, ret = 0;

	if (ti->winsize) {
		struct winsize w = {(unsigned short)ti->winsize->ws_row,
				    (unsigned short)ti->winsize->ws_col,
				    (unsigned short)ti->winsize->ws_xpixel,
				    (unsigned short)ti->winsize->ws_ypixel};

		*what = "window size";
		ret = ioctl(p->sfd, TIOCSWINSZ, &w) ? -errno : 0;
	}
	if (!ret && ti->termios) {
		/* Sets termios too, even with nothing queued. */
		memset(&t, 0, sizeof(t));
		rst_termios_set(ti->termios, &t);
		*what = "termios and the input queued to the slave";
		ret = tty_put_input(p->sfd, &t, p->in ? p->in->data : NULL, p->in ? p->in->len : 0);
	}
	if (!ret && p->out) {
		*what = "the output queued to the master";
		ret = tty_put_output(p->mfd, p->out->data, p->out->len);
	}
	if (!ret && ti->termios_locked) {
		memset(&t, 0, sizeof(t));
		rst_termios_set(ti->termios_locked, &t);
		*what = "locked termios";
		ret = ioctl(p->sfd, TIOCSLCKTRMIOS, &t) ? -errno : 0;
	}
	if (!ret && p->master->packet_mode) {
		*what = "packet mode";
		ret = ioctl(p->mfd, TIOCPKT, &one) ? -errno : 0;
	}
	return ret;
}

/* Pair @p made again (once). Logs. */
static int rst_pty_make(struct rst_ctx *c, struct rst_pty *p)
{
	const char *what = "open /dev/ptmx", *dir;
	char path[64];
	int zero = 0, ret, dfd = rst_pty_devpts(c, p, &dir);

	if (p->mfd >= 0)
		return 0;
	ret = rst_pty_ptmx(dfd, p->index, rst_pty_master_flags(c, p), &p->mfd);
	if (ret == -EBUSY) {
		pr_err("pty %u: /dev/pts/%u is in use (the dumped tree still runs, or another "
		       "program took the number): restore needs the same pty number; free it",
		       p->index, p->index);
		return ret;
	}
	snprintf(path, sizeof(path), "%s%u", dir, p->index);
	if (!ret) {
		what = "unlock";
		ret = ioctl(p->mfd, TIOCSPTLCK, &zero) ? -errno : 0;
	}
	if (!ret) {
		what = "open its slave";
		p->sfd = openat(dfd, path, O_RDWR | O_NOCTTY | O_CLOEXEC);
		ret = p->sfd < 0 ? -errno : 0;
	}
	if (!ret)
		ret = rst_pty_setup(p, &what);
	if (!ret && p->orphan) {
		what = c->o->notify_fd ? "the RPC client's notify orphan-pts-master with the new "
					 "master"
				       : "orphan_pts_master without notify_scripts: no notify "
					 "orphan-pts-master to send the new master in";
		ret = c->o->notify_fd
			      ? c->o->notify_fd(c->o->notify_arg, "orphan-pts-master", p->mfd)
			      : -ENOTCONN;
	}
	if (ret)
		pr_err("pty %u: %s: %s", p->index, what, strerror(-ret));
	else
		pr_debug("pty %u made again, %zu bytes queued to the master, %zu to the slave",
			 p->index, p->out ? p->out->len : 0, p->in ? p->in->len : 0);
	return ret;
}

/* The helper: its own session, the pty as controlling terminal, /dev/tty opened and sent. */
static void __attribute__((noreturn)) rst_pty_devtty_child(int sk, int slave, int flags)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = {0};
	int err = 0, fd = -1;
	struct iovec iov = {&err, sizeof(err)};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	struct cmsghdr *cm;

	if (setsid() < 0 || ioctl(slave, TIOCSCTTY, 0))
		err = errno;
	else if ((fd = open("/dev/tty", flags | O_NOCTTY | O_CLOEXEC)) < 0)
		err = errno;
	if (fd >= 0) {
		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof(cbuf);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	_exit(sendmsg(sk, &mh, 0) < 0);
}

/*
 * A /dev/tty description on pair @p: only a process whose controlling
 * terminal the pty is can open it, so a helper does. Its session ends with
 * it (a pty's session leader leaving hangs nothing up), which frees the pty
 * for the restored session leader. 0 or -errno.
 */
static int rst_pty_devtty(const struct rst_pty *p, int flags, int *out)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	int sv[2], err = EIO, st;
	struct iovec iov = {&err, sizeof(err)};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = cbuf,
			    .msg_controllen = sizeof(cbuf)};
	struct cmsghdr *cm;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv))
		return -errno;
	pid = fork();
	if (pid == 0)
		rst_pty_devtty_child(sv[1], p->sfd, flags);
	close(sv[1]);
	*out = -1;
	if (pid > 0 && recvmsg(sv[0], &mh, MSG_CMSG_CLOEXEC) > 0) {
		cm = CMSG_FIRSTHDR(&mh);
		if (cm && cm->cmsg_type == SCM_RIGHTS)
			memcpy(out, CMSG_DATA(cm), sizeof(int));
	}
	if (pid < 0)
		err = errno;
	else
		waitpid(pid, &st, 0);
	close(sv[0]);
	return *out >= 0 ? 0 : -(err ? err : EIO);
}

int rst_pty_open(struct rst_ctx *c, void *st, const FileEntry *fe, int *fdp)
{
	struct rst_pty_state *s = st;
	const TtyInfoEntry *ti = rst_pty_info(s, fe->tty->tty_info_id);
	struct rst_pty *p = rst_pty_by_index(s, ti->pty->index);
	int flags = (int)fe->tty->flags & ~(O_CREAT | O_TRUNC | O_EXCL | O_CLOEXEC);
	int ret = rst_pty_make(c, p);
	char path[64];

	if (ret)
		return ret;
	if (ti == p->master) {
		*fdp = fcntl(p->mfd, F_DUPFD_CLOEXEC, 0);
		ret = *fdp < 0 ? -errno : 0;
	} else if (ti->type == TTY_TYPE__CTTY) {
		ret = rst_pty_devtty(p, flags, fdp);
	} else {
		const char *dir;
		int dfd = rst_pty_devpts(c, p, &dir);

		snprintf(path, sizeof(path), "%s%u", dir, p->index);
		*fdp = openat(dfd, path, flags | O_NOCTTY | O_CLOEXEC);
		ret = *fdp < 0 ? -errno : 0;
	}
	if (ret)
		pr_err("tty file id %u: %s of pty %u: %s", fe->id,
		       ti == p->master		    ? "the master"
		       : ti->type == TTY_TYPE__CTTY ? "/dev/tty"
						    : "a slave",
		       p->index, strerror(-ret));
	return ret;
}

/* Once every file is open: exclusive mode and the pty lock, which would refuse those opens. */
int rst_pty_finish(struct rst_ctx *c)
{
	struct rst_pty_state *s = c->fd_state[FD_TYPES__TTY];
	int one = 1;

	for (size_t i = 0; s && i < s->nr; i++) {
		const struct rst_pty *p = &s->p[i];
		const char *what = NULL;

		if (p->mfd < 0)
			continue;
		if (p->slave && p->slave->exclusive && ioctl(p->sfd, TIOCEXCL))
			what = "exclusive mode of the slave";
		else if (p->master->exclusive && ioctl(p->mfd, TIOCEXCL))
			what = "exclusive mode of the master";
		else if (p->master->locked && ioctl(p->mfd, TIOCSPTLCK, &one))
			what = "lock";
		if (what) {
			int err = errno;

			pr_err("pty %u: %s: %s", p->index, what, strerror(err));
			return -err;
		}
	}
	return 0;
}

/*
 * In new process @t (tool code, before it forks its children, which inherit
 * the controlling terminal): a session leader takes its pty back as
 * controlling terminal; the leader of the recorded foreground group makes
 * it the foreground one (SIGTTOU blocked: it is in the background until
 * then). No logging; -errno.
 */
int rst_pty_session(const struct rst_ctx *c, const struct rst_task *t)
{
	const struct rst_pty_state *s = c->fd_state[FD_TYPES__TTY];
	sigset_t ttou, old;

	for (size_t i = 0; s && i < s->nr; i++) {
		const struct rst_pty *p = &s->p[i];
		pid_t pgrp = t->pid;
		int ret = 0;

		if (p->sfd < 0 || !p->slave || !p->slave->sid || t->pe->sid != p->slave->sid)
			continue;
		if (t->pe->sid == (uint32_t)t->pid && ioctl(p->sfd, TIOCSCTTY, 0))
			return -errno;
		if (p->slave->pgrp != (uint32_t)t->pid || t->pe->pgid != (uint32_t)t->pid)
			continue;
		sigemptyset(&ttou);
		sigaddset(&ttou, SIGTTOU);
		sigprocmask(SIG_BLOCK, &ttou, &old);
		if (ioctl(p->sfd, TIOCSPGRP, &pgrp))
			ret = -errno;
		sigprocmask(SIG_SETMASK, &old, NULL);
		if (ret)
			return ret;
	}
	return 0;
}
