/*
 * Terminals (tty_ioctl(4), pty(7), n_tty line discipline): the pty number
 * of a master, the bytes a pair holds queued, and putting them back.
 *
 * A pty pair queues bytes in two places: what the slave wrote and the
 * master has not read sits in the master's read queue, what the master
 * wrote and the slave has not read sits in the slave's (after the slave's
 * input processing: canonical lines, EOF marks). Reading takes them out;
 * TIOCSTI puts bytes back synchronously through the line discipline of the
 * descriptor's own side (CAP_SYS_ADMIN), which is how they are restored,
 * and how a dump that lets the tree go on gives them back.
 */
#ifndef CRL_TTY_H
#define CRL_TTY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <termios.h>

/* Unix98 pty devices (Documentation/admin-guide/devices.txt). */
#define TTY_PTMX_MAJOR 5
#define TTY_PTMX_MINOR 2
#define TTY_AUX_MAJOR 5 /* 5:0 /dev/tty, 5:1 /dev/console, 5:2 /dev/ptmx */
#define TTY_PTS_MAJOR_FIRST 136
#define TTY_PTS_MAJOR_LAST 143

/* A growable byte buffer (free with free(b->p)). */
struct tty_bytes {
	unsigned char *p;
	size_t n;
};

/* Whether @rdev is a pty slave (/dev/pts/N), and its number in *@index. */
bool tty_pts_index(dev_t rdev, unsigned int *index);
/* The pty number of master @fd (TIOCGPTN). 0 or -errno. */
int tty_ptmx_index(int fd, unsigned int *index);
/* The device behind a tty descriptor (TIOCGDEV: /dev/tty, /dev/console). 0 or -errno. */
int tty_real_dev(int fd, dev_t *rdev);

/*
 * Reads everything the master @fd holds to be read (the slave's output),
 * into @out. @packet: the pair is in packet mode (TIOCPKT); a control byte
 * the program has not read yet makes it -EBUSY, before anything is read.
 * 0 or -errno.
 */
int tty_take_output(int master, bool packet, struct tty_bytes *out);
/*
 * Reads everything slave @fd holds to be read (the master's writes, after
 * input processing) into @out, complete lines and a partial one alike; the
 * canonical line marks are re-made by tty_put_input. @fd's termios and
 * locked termios are as before on return. 0 or -errno.
 */
int tty_take_input(int slave, struct tty_bytes *out);
/* Puts @n bytes back into master @fd's read queue (TIOCSTI). 0 or -errno. */
int tty_put_output(int master, const unsigned char *b, size_t n);
/*
 * Puts @n bytes into slave @fd's read queue as tty_take_input read them,
 * under termios @t (the slave's, set on it on return): no echo, no signal,
 * line ends re-marked in canonical mode. Clears the locked termios for the
 * while and restores them. 0 or -errno.
 */
int tty_put_input(int slave, const struct termios *t, const unsigned char *b, size_t n);

#endif
