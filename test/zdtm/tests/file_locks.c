/*
 * File locks survive: a flock write lock (held through two dup'd fds), a
 * POSIX write lock on bytes 100-299 plus a POSIX read lock from 4096 to the
 * end, and an OFD write lock on bytes 0-49. After restore a fresh child
 * opens the files itself and must find each lock held, by the right owner,
 * on exactly its range.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/file.h>
#include <unistd.h>

#include "zdtmtst.h"

static int open_file(const char *name)
{
	int fd = open(test_path(name), O_RDWR | O_CREAT, 0644);

	if (fd < 0)
		fail("open %s: %m", name);
	return fd;
}

static int set_lock(int fd, int cmd, short type, off_t start, off_t len)
{
	struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len};

	return fcntl(fd, cmd, &fl);
}

/* What F_GETLK/F_OFD_GETLK says about a @type request on [start, start+len). */
static void expect(const char *what, int fd, int cmd, short type, off_t start, off_t len,
		   short want_type, pid_t want_pid, off_t want_start, off_t want_len)
{
	struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len};

	if (fcntl(fd, cmd, &fl)) {
		fail("%s: get lock: %m", what);
		return;
	}
	if (fl.l_type != want_type)
		fail("%s: lock type %d, expected %d", what, fl.l_type, want_type);
	else if (want_type != F_UNLCK &&
		 (fl.l_pid != want_pid || fl.l_start != want_start || fl.l_len != want_len))
		fail("%s: held by pid %d on %lld+%lld, expected pid %d on %lld+%lld", what,
		     fl.l_pid, (long long)fl.l_start, (long long)fl.l_len, want_pid,
		     (long long)want_start, (long long)want_len);
}

/* In a new process (no POSIX lock, own file descriptions). */
static void check_from_outside(pid_t owner)
{
	int f = open_file("flock.file"), p = open_file("posix.file"), o = open_file("ofd.file");

	if (flock(f, LOCK_SH | LOCK_NB) == 0)
		fail("flock: a shared flock was granted: the write flock is gone");
	else if (errno != EWOULDBLOCK)
		fail("flock: %m, expected EWOULDBLOCK");
	expect("posix write lock", p, F_GETLK, F_RDLCK, 150, 1, F_WRLCK, owner, 100, 200);
	expect("posix: byte 99 free", p, F_GETLK, F_WRLCK, 99, 1, F_UNLCK, 0, 0, 0);
	expect("posix: byte 300 free", p, F_GETLK, F_WRLCK, 300, 1, F_UNLCK, 0, 0, 0);
	expect("posix read lock", p, F_GETLK, F_WRLCK, 5000, 1, F_RDLCK, owner, 4096, 0);
	expect("posix read lock: reading allowed", p, F_GETLK, F_RDLCK, 5000, 1, F_UNLCK, 0, 0, 0);
	expect("ofd write lock", o, F_OFD_GETLK, F_RDLCK, 10, 1, F_WRLCK, -1, 0, 50);
	expect("ofd: byte 50 free", o, F_OFD_GETLK, F_WRLCK, 50, 1, F_UNLCK, 0, 0, 0);
}

int main(int argc, char **argv)
{
	int f, p, o, status;
	pid_t child;

	test_init(argc, argv);
	f = open_file("flock.file");
	p = open_file("posix.file");
	o = open_file("ofd.file");
	if (flock(f, LOCK_EX | LOCK_NB))
		fail("flock: %m");
	if (dup2(f, 20) != 20)
		fail("dup2 flock fd: %m");
	if (set_lock(p, F_SETLK, F_WRLCK, 100, 200) || set_lock(p, F_SETLK, F_RDLCK, 4096, 0))
		fail("posix locks: %m");
	if (set_lock(o, F_OFD_SETLK, F_WRLCK, 0, 50))
		fail("ofd lock: %m");
	test_daemon();
	test_waitsig();

	child = fork();
	if (child == 0) {
		check_from_outside(getppid());
		_exit(test_failures() ? 1 : 0);
	}
	status = child < 0 ? -1 : wait_child(child, 10000);
	if (status != 0)
		fail("checking child: status %d", status);
	return test_done();
}
