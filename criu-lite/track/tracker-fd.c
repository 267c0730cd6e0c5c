/*
 * The uffd-wp tracker's fd inside a target: where it is put, how any later
 * command recognises it, how it is removed. See docs/tracking.md, "The
 * tracker fd".
 *
 * It sits at the highest free number below the target's RLIMIT_NOFILE soft
 * limit (at most TRACKER_FD_CAP), close-on-exec, so the program's own
 * open() keeps getting the numbers it got before tracking. It carries a
 * mark, O_APPEND: F_SETFL accepts it on any file and a userfaultfd ignores
 * it, so no program has a reason to set it. The mark lets every dump
 * recognise the fd without images: one a killed command left behind, or the
 * copy a fork inherited.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "inject.h"
#include "proc-fdinfo.h"
#include "proc-misc.h"
#include "proc-task.h"
#include "tracker.h"

#define TRACKER_FD_MARK O_APPEND
/*
 * The kernel grows a process's fd table to the highest number in use (8
 * bytes per slot plus bitmaps) and never shrinks it: no higher than this.
 */
#define TRACKER_FD_CAP 4096

int tracker_fd_pick(const int *fds, size_t n, unsigned long limit)
{
	long want = (long)(limit < TRACKER_FD_CAP ? limit : TRACKER_FD_CAP) - 1;
	size_t i = n;

	/* @fds ascending: walk down from the top, skipping numbers in use */
	for (; want >= 0; want--) {
		while (i > 0 && fds[i - 1] > want)
			i--;
		if (i == 0 || fds[i - 1] != want)
			return (int)want;
	}
	return -EMFILE;
}

/* The number a new tracker fd of @pid gets. fd or -errno. */
static int tfd_place(pid_t pid)
{
	struct rlimit rl;
	int *fds = NULL, ret;
	size_t n = 0;

	if (prlimit(pid, RLIMIT_NOFILE, NULL, &rl))
		return -errno;
	ret = proc_list_fds(pid, &fds, &n);
	if (ret)
		return ret;
	ret = tracker_fd_pick(fds, n, rl.rlim_cur);
	free(fds);
	return ret;
}

/*
 * In the target: userfaultfd(), mark, move to @want, close the low number.
 * The mark comes first, so whatever is left by a failure is recognisable.
 */
static long tfd_inject_create(struct inject *in, int want)
{
	long low, hi, r;

	low = inject_call(in, SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK, 0, 0, 0, 0, 0);
	if (low < 0)
		return low;
	r = inject_call(in, SYS_fcntl, low, F_SETFL, O_NONBLOCK | TRACKER_FD_MARK, 0, 0, 0);
	if (r < 0 || low == want)
		hi = r < 0 ? r : low;
	else
		hi = inject_call(in, SYS_fcntl, low, F_DUPFD_CLOEXEC, want, 0, 0, 0);
	if (hi != low)
		inject_call(in, SYS_close, low, 0, 0, 0, 0, 0);
	return hi;
}

int tracker_fd_create(pid_t pid)
{
	struct inject in;
	long fd;
	int want, ret;

	want = tfd_place(pid);
	if (want < 0)
		return want;
	ret = inject_begin(&in, pid);
	if (ret)
		return ret;
	fd = tfd_inject_create(&in, want);
	ret = inject_end(&in);
	if (fd < 0)
		return (int)fd;
	if (ret)
		return ret;
	if (fd != want) { /* the target's table changed under us: not ours to keep */
		tracker_fd_close(pid, (const int[]){(int)fd}, 1);
		return -EBUSY;
	}
	return (int)fd;
}

int tracker_fd_is_ours(pid_t pid, int fd, unsigned long long *ino)
{
	struct proc_fdinfo fi;
	char what[32], link[64];
	int ret;

	snprintf(what, sizeof(what), "fd/%d", fd);
	ret = proc_readlink(pid, what, link, sizeof(link));
	if (ret == -ENAMETOOLONG)
		return 0;
	if (ret)
		return ret;
	if (strcmp(link, "anon_inode:[userfaultfd]"))
		return 0;
	ret = proc_read_fdinfo(pid, fd, &fi);
	if (ret)
		return ret;
	ret = (fi.flags & TRACKER_FD_MARK) ? 1 : 0;
	if (ino)
		*ino = fi.ino;
	proc_fdinfo_fini(&fi);
	return ret;
}

int tracker_fd_list(pid_t pid, struct tracker_fd *out, size_t max)
{
	int *fds = NULL, ret;
	size_t n = 0, nr = 0;

	ret = proc_list_fds(pid, &fds, &n);
	if (ret)
		return ret;
	for (size_t i = 0; i < n && nr < max; i++) {
		unsigned long long ino = 0;
		int r = tracker_fd_is_ours(pid, fds[i], &ino);

		if (r == 1) {
			out[nr].fd = fds[i];
			out[nr++].ino = ino;
		} else if (r < 0 && r != -ENOENT) {
			ret = r;
			break;
		}
	}
	free(fds);
	return ret ? ret : (int)nr;
}

int tracker_fd_close(pid_t pid, const int *fds, size_t n)
{
	struct inject in;
	long r = 0;
	int ret;

	ret = inject_begin(&in, pid);
	if (ret)
		return ret;
	for (size_t i = 0; i < n; i++) {
		long c = inject_call(&in, SYS_close, fds[i], 0, 0, 0, 0, 0);

		if (c < 0 && !r)
			r = c;
	}
	ret = inject_end(&in);
	return r < 0 ? (int)r : ret;
}
