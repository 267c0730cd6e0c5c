/*
 * --shell-job target for the terminal's state: started by a shell on a
 * terminal, it puts the terminal in raw mode with unusual VMIN/VTIME and
 * control characters, a lower output speed, a window size and exclusive mode,
 * and keeps what the kernel then reports. It writes RES.pid and RES.ready,
 * waits until RES.go exists (meanwhile it is dumped and restored on a fresh
 * terminal with default settings), then checks that every termios field
 * (flags, line, speeds, all of c_cc), the window size and exclusive mode are
 * what it had set, and that no SIGWINCH reached it since. Writes "PASS" or
 * "FAIL: what differed" to RES.out; exit status 0 on PASS.
 *
 * usage: tty_state RES
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

static volatile sig_atomic_t winches;

static void on_winch(int sig)
{
	(void)sig;
	winches++;
}

static void put(const char *res, const char *suffix, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s.%s", res, suffix);
	f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

/* Raw mode, VMIN 3, VTIME 7, ^A interrupts, ^B ends a line, no suspend char. */
static int set_state(struct termios *t, struct winsize *w)
{
	struct winsize ws = {.ws_row = 37, .ws_col = 123, .ws_xpixel = 456, .ws_ypixel = 789};

	if (tcgetattr(0, t))
		return -1;
	t->c_iflag &= ~(tcflag_t)(ICRNL | IXON | BRKINT | ISTRIP);
	t->c_iflag |= IGNPAR;
	t->c_oflag &= ~(tcflag_t)OPOST;
	t->c_lflag &= ~(tcflag_t)(ICANON | ECHO | ISIG | IEXTEN);
	t->c_cc[VMIN] = 3;
	t->c_cc[VTIME] = 7;
	t->c_cc[VINTR] = 0x01;
	t->c_cc[VEOF] = 0x02;
	t->c_cc[VSUSP] = _POSIX_VDISABLE;
	t->c_cc[VERASE] = 0x08;
	if (cfsetispeed(t, B9600) || cfsetospeed(t, B9600) || tcsetattr(0, TCSANOW, t))
		return -1;
	if (ioctl(0, TIOCSWINSZ, &ws) || ioctl(0, TIOCEXCL))
		return -1;
	/* What the kernel kept (a pty may adjust c_cflag) is what must come back. */
	if (tcgetattr(0, t) || ioctl(0, TIOCGWINSZ, w))
		return -1;
	if ((t->c_lflag & ICANON) || t->c_cc[VMIN] != 3 || w->ws_col != 123) {
		errno = EINVAL; /* the terminal ignored us: the test would prove nothing */
		return -1;
	}
	return 0;
}

static const char *check(const struct termios *want, const struct winsize *wantw)
{
	static char why[512];
	struct termios t;
	struct winsize w;
	int excl = 0;

	if (tcgetattr(0, &t) || ioctl(0, TIOCGWINSZ, &w) || ioctl(0, TIOCGEXCL, &excl)) {
		snprintf(why, sizeof(why), "FAIL: terminal state of fd 0: %s", strerror(errno));
		return why;
	}
#define CMP(field, what)                                                                           \
	if ((unsigned long)(field) != (unsigned long)(what)) {                                     \
		snprintf(why, sizeof(why), "FAIL: %s is %#lx, was %#lx before the dump", #field,   \
			 (unsigned long)(field), (unsigned long)(what));                           \
		return why;                                                                        \
	}
	CMP(t.c_iflag, want->c_iflag);
	CMP(t.c_oflag, want->c_oflag);
	CMP(t.c_cflag, want->c_cflag);
	CMP(t.c_lflag, want->c_lflag);
	CMP(t.c_line, want->c_line);
	CMP(cfgetispeed(&t), cfgetispeed(want));
	CMP(cfgetospeed(&t), cfgetospeed(want));
	for (int i = 0; i < NCCS; i++)
		if (t.c_cc[i] != want->c_cc[i]) {
			snprintf(why, sizeof(why), "FAIL: c_cc[%d] is %#x, was %#x before the dump",
				 i, t.c_cc[i], want->c_cc[i]);
			return why;
		}
	CMP(w.ws_row, wantw->ws_row);
	CMP(w.ws_col, wantw->ws_col);
	CMP(w.ws_xpixel, wantw->ws_xpixel);
	CMP(w.ws_ypixel, wantw->ws_ypixel);
#undef CMP
	if (!excl) {
		snprintf(why, sizeof(why), "FAIL: the terminal is no longer in exclusive mode");
		return why;
	}
	if (tcgetpgrp(0) != getpgrp()) {
		snprintf(why, sizeof(why), "FAIL: not in the foreground group (%d, ours %d)",
			 (int)tcgetpgrp(0), (int)getpgrp());
		return why;
	}
	if (winches) {
		snprintf(why, sizeof(why), "FAIL: %d SIGWINCH since the dump", (int)winches);
		return why;
	}
	return "PASS";
}

int main(int argc, char **argv)
{
	char path[512], buf[256];
	struct termios want;
	struct winsize wantw;
	const char *r;

	if (argc < 2)
		return 2;
	if (set_state(&want, &wantw)) {
		snprintf(buf, sizeof(buf), "FAIL: cannot set the terminal's state: %s",
			 strerror(errno));
		put(argv[1], "out", buf);
		return 1;
	}
	signal(SIGWINCH, on_winch); /* after our own resize */
	snprintf(buf, sizeof(buf), "%d", (int)getpid());
	put(argv[1], "pid", buf);
	put(argv[1], "ready", "ready");
	snprintf(path, sizeof(path), "%s.go", argv[1]);
	while (access(path, F_OK))
		usleep(20000);
	r = check(&want, &wantw);
	put(argv[1], "out", r);
	return strcmp(r, "PASS") ? 1 : 0;
}
