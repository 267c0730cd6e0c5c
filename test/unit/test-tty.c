/*
 * kernel-iface/tty.c on a real pty pair: the queues read out and put back
 * keep their bytes and, in canonical mode, their line and EOF marks; packet
 * mode's status byte is stripped, and a pending control byte refuses.
 * Needs root (TIOCSTI and TIOCSLCKTRMIOS need CAP_SYS_ADMIN).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "tap.h"
#include "tty.h"

static int pty(int *m, int *s)
{
	char name[64];

	*m = posix_openpt(O_RDWR | O_NOCTTY);
	if (*m < 0 || grantpt(*m) || unlockpt(*m) || ptsname_r(*m, name, sizeof(name)))
		return -1;
	*s = open(name, O_RDWR | O_NOCTTY | O_NONBLOCK);
	return *s < 0 ? -1 : 0;
}

/* One read of @fd equals @want (NULL: nothing to read). */
static int reads(int fd, const char *want)
{
	char buf[64];
	ssize_t r = read(fd, buf, sizeof(buf));

	if (!want)
		return r < 0 && errno == EAGAIN;
	return r == (ssize_t)strlen(want) && !memcmp(buf, want, (size_t)r);
}

static void canonical(void)
{
	struct tty_bytes b = {0};
	struct termios t;
	int m, s, n = -1;

	if (pty(&m, &s)) {
		ok(0, "pty: %m");
		return;
	}
	tcgetattr(s, &t);
	t.c_lflag &= ~(tcflag_t)ECHO;
	tcsetattr(s, TCSANOW, &t);
	/* a line, an EOF-ended line, a partial one */
	ok(write(m, "ab\ncd\004ef", 8) == 8, "typed");
	usleep(50000);
	ok(tty_take_input(s, &b) == 0, "take input");
	ok(b.n == 8 && !memcmp(b.p, "ab\ncd\0ef", 8), "read out as bytes, EOF as NUL (%zu)", b.n);
	ok(ioctl(s, FIONREAD, &n) == 0 && n == 0, "slave queue empty after (%d)", n);
	ok(tty_put_input(s, &t, b.p, b.n) == 0, "put back");
	ok(reads(s, "ab\n"), "first line alone");
	ok(reads(s, "cd"), "EOF-ended line alone, without its EOF");
	ok(reads(s, NULL), "the partial line not readable");
	ok(write(m, "\n", 1) == 1, "the master ends the partial line");
	usleep(50000);
	ok(reads(s, "ef\n"), "then it is read");
	tcgetattr(s, &t);
	ok((t.c_lflag & ICANON) && !(t.c_lflag & ECHO), "termios as before");
	free(b.p);
	close(m);
	close(s);
}

static void output(void)
{
	struct tty_bytes b = {0};
	int m, s, one = 1;
	char buf[8];

	if (pty(&m, &s)) {
		ok(0, "pty: %m");
		return;
	}
	ok(ioctl(m, TIOCPKT, &one) == 0 && write(s, "xyz", 3) == 3, "packet mode, slave wrote");
	usleep(50000);
	ok(tty_take_output(m, true, &b) == 0 && b.n == 3 && !memcmp(b.p, "xyz", 3),
	   "output read out without its status byte");
	ok(tty_put_output(m, b.p, b.n) == 0, "put back");
	ok(read(m, buf, sizeof(buf)) == 4 && buf[0] == TIOCPKT_DATA && !memcmp(buf + 1, "xyz", 3),
	   "the master reads it again");
	tcflush(s, TCIFLUSH); /* a pending TIOCPKT_FLUSHREAD */
	free(b.p);
	b.p = NULL;
	b.n = 0;
	ok(tty_take_output(m, true, &b) == -EBUSY, "a pending control byte refuses");
	free(b.p);
	close(m);
	close(s);
}

int main(void)
{
	if (geteuid())
		return 77;
	canonical();
	output();
	return tap_done();
}
