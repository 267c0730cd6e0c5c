/*
 * A pty pair in canonical mode, locked: the slave's input holds a complete
 * line and a partial one (echoed to the master, whose output queue holds
 * the echo); termios are locked (TIOCSLCKTRMIOS), the slave is exclusive
 * (TIOCEXCL) and the pty is locked again (TIOCSPTLCK). After restore: lock,
 * locked termios and exclusive mode as set, the echo on the master, and the
 * slave reads the complete line alone, then the partial one once the master
 * ends it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "zdtmtst.h"

#define TYPED "line1\npart"
#define ECHOED "line1\r\npart"

/* Reads exactly what is queued on @fd (FIONREAD) and compares it with @want. */
static void check_read(const char *what, int fd, const char *want)
{
	char buf[256];
	int n = -1;
	ssize_t r = 0;

	if (ioctl(fd, FIONREAD, &n) || n != (int)strlen(want))
		fail("%s: %d bytes readable, want %zu", what, n, strlen(want));
	if (n > 0 && (r = read(fd, buf, sizeof(buf) - 1)) < 0)
		fail("%s: read: %m", what);
	buf[r > 0 ? r : 0] = 0;
	if (n > 0 && strcmp(buf, want))
		fail("%s: read '%s', want '%s'", what, buf, want);
}

int main(int argc, char **argv)
{
	struct termios lk, got;
	int m, s, one = 1, v;
	char name[64];

	test_init(argc, argv);
	m = posix_openpt(O_RDWR | O_NOCTTY);
	if (m < 0 || grantpt(m) || unlockpt(m) || ptsname_r(m, name, sizeof(name)) ||
	    (s = open(name, O_RDWR | O_NOCTTY)) < 0)
		return fail("pty: %m"), test_done();
	/* The default termios: canonical, echo, ONLCR. */
	if (write(m, TYPED, strlen(TYPED)) != (ssize_t)strlen(TYPED))
		fail("write to the master: %m");
	memset(&lk, 0, sizeof(lk));
	lk.c_lflag = ICANON | ECHO;
	lk.c_cc[VERASE] = 0xff;
	if (ioctl(s, TIOCSLCKTRMIOS, &lk) || ioctl(s, TIOCEXCL) || ioctl(m, TIOCSPTLCK, &one))
		fail("lock termios, exclusive, pty lock: %m");
	usleep(100000); /* the line discipline takes the bytes in a worker */
	test_daemon();
	test_waitsig();

	v = 0;
	if (ioctl(m, TIOCGPTLCK, &v) || !v)
		fail("the pty is not locked");
	v = 0;
	if (ioctl(s, TIOCGEXCL, &v) || !v)
		fail("the slave is not exclusive");
	memset(&got, 0, sizeof(got)); /* the kernel's struct is shorter than glibc's */
	if (ioctl(s, TIOCGLCKTRMIOS, &got) || got.c_lflag != lk.c_lflag || got.c_iflag ||
	    memcmp(got.c_cc, lk.c_cc, sizeof(got.c_cc)))
		fail("locked termios: lflag %#x cc[VERASE] %#x, want %#x %#x", got.c_lflag,
		     got.c_cc[VERASE], lk.c_lflag, lk.c_cc[VERASE]);
	if (tcgetattr(s, &got) || !(got.c_lflag & ICANON) || !(got.c_lflag & ECHO))
		fail("termios lost canonical mode or echo: lflag %#x", got.c_lflag);
	check_read("master (echo)", m, ECHOED);
	/* Canonical: the complete line alone, the partial one only once ended. */
	check_read("slave (complete line)", s, "line1\n");
	if (write(m, "\n", 1) != 1)
		fail("end the partial line: %m");
	usleep(100000);
	check_read("slave (partial line, ended)", s, "part\n");
	return test_done();
}
