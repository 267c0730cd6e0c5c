/*
 * Terminal queues and the few pty ioctls criu-lite needs (tty.h).
 * Kernel facts relied on (drivers/tty/n_tty.c, pty.c):
 * - FIONREAD on a side in non-canonical mode counts every byte of its read
 *   queue; in canonical mode only complete lines.
 * - turning ICANON off forgets the line marks; turning it on again with an
 *   empty queue leaves a clean state.
 * - an EOF character in canonical mode is queued as a NUL byte with a line
 *   mark; a read in non-canonical mode returns that NUL. NUL itself is never
 *   a control character (n_tty_set_termios clears it from its map).
 * - the master's own termios are raw and cannot be changed (tcsetattr on a
 *   master sets the slave's), so bytes put into its queue stay as they are.
 * - in packet mode every read of the master starts with one status byte
 *   (TIOCPKT_DATA, 0, before data); a pending control status is returned
 *   alone and announced by POLLPRI.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "tty.h"

#define TTY_QUEUE_MAX (1u << 20) /* far above what a pty holds (64 KiB of flip buffers) */

/* devpts numbers slaves 136:N with a 20-bit minor (N up to 2^20), never past major 136 today. */
bool tty_pts_index(dev_t rdev, unsigned int *index)
{
	unsigned int ma = major(rdev);

	if (ma < TTY_PTS_MAJOR_FIRST || ma > TTY_PTS_MAJOR_LAST)
		return false;
	*index = (ma - TTY_PTS_MAJOR_FIRST) * 256 + minor(rdev);
	return true;
}

int tty_ptmx_index(int fd, unsigned int *index)
{
	return ioctl(fd, TIOCGPTN, index) ? -errno : 0;
}

int tty_real_dev(int fd, dev_t *rdev)
{
	unsigned int dev;

	if (ioctl(fd, TIOCGDEV, &dev))
		return -errno;
	*rdev = makedev((dev >> 8) & 0xfff, (dev & 0xff) | ((dev >> 12) & 0xfff00));
	return 0;
}

static int tty_bytes_add(struct tty_bytes *b, const unsigned char *p, size_t n)
{
	unsigned char *q;

	if (b->n + n > TTY_QUEUE_MAX)
		return -EFBIG;
	q = realloc(b->p, b->n + n + 1);
	if (!q)
		return -ENOMEM;
	memcpy(q + b->n, p, n);
	b->p = q;
	b->n += n;
	return 0;
}

/* Reads what FIONREAD announces until it announces nothing; @hdr: one status byte per read. */
static int tty_drain(int fd, bool hdr, struct tty_bytes *out)
{
	unsigned char buf[4096 + 1];
	int avail, ret;

	for (;;) {
		ssize_t r;

		if (ioctl(fd, FIONREAD, &avail))
			return -errno;
		if (avail <= 0)
			return 0;
		if (avail > 4096)
			avail = 4096;
		r = read(fd, buf, (size_t)avail + hdr);
		if (r < 0)
			return -errno;
		if (r <= (ssize_t)hdr || (hdr && buf[0] != 0))
			return -EIO; /* a status byte where data was announced */
		ret = tty_bytes_add(out, buf + hdr, (size_t)r - hdr);
		if (ret)
			return ret;
	}
}

int tty_take_output(int master, bool packet, struct tty_bytes *out)
{
	struct pollfd p = {.fd = master, .events = POLLPRI};

	if (packet && poll(&p, 1, 0) > 0 && (p.revents & POLLPRI))
		return -EBUSY;
	return tty_drain(master, packet, out);
}

int tty_take_input(int slave, struct tty_bytes *out)
{
	struct termios t, raw, lck, none;
	int ret, r;

	memset(&none, 0, sizeof(none));
	if (tcgetattr(slave, &t) || ioctl(slave, TIOCGLCKTRMIOS, &lck))
		return -errno;
	if (!(t.c_lflag & ICANON))
		return tty_drain(slave, false, out);
	/* Canonical: complete and partial lines alike, read in non-canonical mode. */
	if (ioctl(slave, TIOCSLCKTRMIOS, &none))
		return -errno;
	raw = t;
	raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO | ECHONL | ISIG | IEXTEN);
	raw.c_cc[VMIN] = 0;
	raw.c_cc[VTIME] = 0;
	ret = tcsetattr(slave, TCSANOW, &raw) ? -errno : tty_drain(slave, false, out);
	r = tcsetattr(slave, TCSANOW, &t) ? -errno : 0;
	if (ioctl(slave, TIOCSLCKTRMIOS, &lck) && !r)
		r = -errno;
	return ret ? ret : r;
}

static int tty_sti(int fd, const unsigned char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (ioctl(fd, TIOCSTI, (const char *)&b[i]))
			return -errno;
	return 0;
}

int tty_put_output(int master, const unsigned char *b, size_t n)
{
	return tty_sti(master, b, n);
}

/* A byte absent from @b, neither NUL, a line end nor @other: a control character while replaying.
 */
static int tty_unused_byte(const struct termios *t, const unsigned char *b, size_t n, int other)
{
	bool seen[256] = {false};

	for (size_t i = 0; i < n; i++)
		seen[b[i]] = true;
	for (int c = 1; c < 256; c++)
		if (!seen[c] && c != '\n' && c != t->c_cc[VEOL] && c != other)
			return c;
	return -E2BIG;
}

int tty_put_input(int slave, const struct termios *t, const unsigned char *b, size_t n)
{
	struct termios rp = *t, lck, none;
	unsigned char *copy = NULL;
	int ret = 0, r, spare = 0, eof = 0;

	memset(&none, 0, sizeof(none));
	if (ioctl(slave, TIOCGLCKTRMIOS, &lck) || ioctl(slave, TIOCSLCKTRMIOS, &none))
		return -errno;
	/*
	 * No input mapping, echo or signal: the bytes were processed once
	 * already. IXON stays as it was: a pty in packet mode reports a change of
	 * flow control to its master (TIOCPKT_DOSTOP/NOSTOP); while IXON is on
	 * the line discipline took START and STOP out, so none are queued.
	 */
	rp.c_iflag = t->c_iflag & IXON;
	rp.c_lflag &= ICANON;
	if ((rp.c_lflag & ICANON) && n) {
		/*
		 * An EOF mark was read as NUL, and NUL is never a control character:
		 * an unused byte stands for it, as the EOF character, and erase and
		 * kill become another unused one.
		 */
		spare = tty_unused_byte(t, b, n, -1);
		eof = spare < 0 ? spare : tty_unused_byte(t, b, n, spare);
		ret = eof < 0 ? eof : (copy = malloc(n)) ? 0 : -ENOMEM;
		for (size_t i = 0; !ret && i < n; i++)
			copy[i] = b[i] ? b[i] : (unsigned char)eof;
		rp.c_cc[VEOF] = (cc_t)eof;
		rp.c_cc[VERASE] = rp.c_cc[VKILL] = (cc_t)spare;
	}
	if (!ret && n)
		ret = tcsetattr(slave, TCSANOW, &rp) ? -errno : tty_sti(slave, copy ? copy : b, n);
	free(copy);
	r = tcsetattr(slave, TCSANOW, t) ? -errno : 0;
	if (ioctl(slave, TIOCSLCKTRMIOS, &lck) && !r)
		r = -errno;
	return ret ? ret : r;
}
