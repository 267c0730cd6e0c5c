/*
 * A pty pair owned by the tree, as tmux or script hold it: the root keeps
 * the master in packet mode; a child session leader has the slave as its
 * controlling terminal (raw termios, a window size, /dev/tty open) and a
 * grandchild's group in the foreground; bytes are queued both ways. After
 * restore each process checks its own side: termios, window size, pty
 * number, session, foreground group, /dev/tty, and reads the queued bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "zdtmtst.h"

#define TO_SLAVE "in-queued"
#define TO_MASTER "out-queued\n"

static const struct winsize ws = {33, 101, 640, 480};

static void want_termios(struct termios *t)
{
	memset(t, 0, sizeof(*t));
	t->c_iflag = IXANY | IUTF8;
	t->c_oflag = 0; /* no output processing: the master reads what was written */
	t->c_cflag = CS8 | CREAD | B9600;
	t->c_lflag = ISIG | NOFLSH;
	t->c_cc[VINTR] = 7;
	t->c_cc[VQUIT] = 28;
	t->c_cc[VMIN] = 1;
	t->c_cc[VTIME] = 0;
	cfsetspeed(t, B9600);
}

static void check_termios(int fd)
{
	struct termios t, w;
	struct winsize g;

	want_termios(&w);
	if (tcgetattr(fd, &t))
		fail("tcgetattr: %m");
	else if (t.c_iflag != w.c_iflag || t.c_oflag != w.c_oflag || t.c_lflag != w.c_lflag ||
		 (t.c_cflag & ~(tcflag_t)CBAUDEX) != (w.c_cflag & ~(tcflag_t)CBAUDEX) ||
		 memcmp(t.c_cc, w.c_cc, sizeof(t.c_cc)))
		fail("termios: iflag %#x oflag %#x cflag %#x lflag %#x, want %#x %#x %#x %#x",
		     t.c_iflag, t.c_oflag, t.c_cflag, t.c_lflag, w.c_iflag, w.c_oflag, w.c_cflag,
		     w.c_lflag);
	if (ioctl(fd, TIOCGWINSZ, &g) || memcmp(&g, &ws, sizeof(g)))
		fail("window size %ux%u (%ux%u px), want %ux%u", g.ws_row, g.ws_col, g.ws_xpixel,
		     g.ws_ypixel, ws.ws_row, ws.ws_col);
}

/* @fd holds exactly @want, behind a packet-mode status byte when @pkt. */
static void check_queue(const char *side, int fd, const char *want, int pkt)
{
	char buf[256];
	int n = -1;
	ssize_t r;

	if (ioctl(fd, FIONREAD, &n) || n != (int)strlen(want)) {
		fail("%s: %d bytes queued, want %zu", side, n, strlen(want));
		if (n <= 0)
			return;
	}
	r = read(fd, buf, sizeof(buf) - 1);
	if (r < 0) {
		fail("%s: read: %m", side);
		return;
	}
	buf[r] = 0;
	if (pkt && (r < 1 || buf[0] != TIOCPKT_DATA))
		fail("%s: packet mode status byte %#x, want TIOCPKT_DATA", side, buf[0]);
	if (strcmp(buf + pkt, want))
		fail("%s: read '%s', want '%s'", side, buf + pkt, want);
}

static int grandchild(void)
{
	test_waitsig();
	if (tcgetpgrp(0) != getpgrp())
		fail("foreground group %d, want mine %d", tcgetpgrp(0), getpgrp());
	/* The foreground group reads the terminal (its session leader's group is orphaned). */
	check_queue("slave", 0, TO_SLAVE, 0);
	return test_done();
}

static int child(const char *name, int ready)
{
	struct stat st;
	dev_t real = 0;
	unsigned int dev;
	struct termios t;
	pid_t g;
	int s, tty, tty2;

	if (setsid() < 0 || (s = open(name, O_RDWR)) < 0) /* no O_NOCTTY: our ctty */
		return fail("open %s: %m", name), 1;
	want_termios(&t);
	if (tcsetattr(s, TCSANOW, &t) || ioctl(s, TIOCSWINSZ, &ws) || dup2(s, 0) < 0)
		return fail("set the slave: %m"), 1;
	g = fork();
	if (g == 0) {
		close(ready);
		setpgid(0, 0);
		return grandchild();
	}
	setpgid(g, g);
	if (tcsetpgrp(s, g) || (tty = open("/dev/tty", O_RDWR)) < 0)
		return fail("tcsetpgrp / open /dev/tty: %m"), 1;
	if (write(s, TO_MASTER, strlen(TO_MASTER)) != (ssize_t)strlen(TO_MASTER))
		return fail("write to the slave: %m"), 1;
	fstat(s, &st);
	close(ready);
	test_waitsig();

	check_termios(s);
	if (getsid(0) != getpid())
		fail("session %d, want mine %d", getsid(0), getpid());
	if (tcgetpgrp(s) != g)
		fail("foreground group %d, want %d", tcgetpgrp(s), g);
	if (strcmp(ttyname(s) ?: "?", name))
		fail("ttyname %s, want %s", ttyname(s) ?: "?", name);
	if (ioctl(tty, TIOCGDEV, &dev) == 0)
		real = makedev((dev >> 8) & 0xfff, (dev & 0xff) | ((dev >> 12) & 0xfff00));
	if (real != st.st_rdev)
		fail("/dev/tty fd is on %u:%u, want %u:%u", major(real), minor(real),
		     major(st.st_rdev), minor(st.st_rdev));
	tty2 = open("/dev/tty", O_RDWR);
	if (tty2 < 0)
		fail("open /dev/tty after restore: %m");
	close(tty2);
	kill(g, SIGTERM);
	if (wait_child(g, 10000))
		fail("grandchild failed");
	return test_done();
}

int main(int argc, char **argv)
{
	int m, one = 1, p[2];
	unsigned int idx, idx2;
	char name[64];
	pid_t c;

	test_init(argc, argv);
	m = posix_openpt(O_RDWR | O_NOCTTY);
	if (m < 0 || grantpt(m) || unlockpt(m) || ptsname_r(m, name, sizeof(name)) ||
	    ioctl(m, TIOCGPTN, &idx) || pipe(p))
		return fail("posix_openpt: %m"), test_done();
	c = fork();
	if (c == 0) {
		close(p[0]);
		close(m);
		exit(child(name, p[1]));
	}
	close(p[1]);
	if (read(p[0], &one, 1) != 0)
		fail("child not ready");
	one = 1;
	if (write(m, TO_SLAVE, strlen(TO_SLAVE)) != (ssize_t)strlen(TO_SLAVE) ||
	    ioctl(m, TIOCPKT, &one))
		fail("write to the master / packet mode: %m");
	usleep(100000); /* the line discipline takes the bytes in a worker */
	test_daemon();
	test_waitsig();

	if (ioctl(m, TIOCGPTN, &idx2) || idx2 != idx)
		fail("pty number %u, want %u", idx2, idx);
	one = 0;
	if (ioctl(m, TIOCGPKT, &one) || !one)
		fail("packet mode is off");
	check_termios(m);
	check_queue("master", m, TO_MASTER, 1);
	kill(c, SIGTERM);
	if (wait_child(c, 10000))
		fail("child failed");
	return test_done();
}
