/*
 * A fanotify group keeps its init flags, event flags and marks: an inode
 * mark on a directory (FAN_CREATE... needs FID groups, so FAN_OPEN with
 * FAN_EVENT_ON_CHILD on the directory), an ignore mark on one file, and a
 * mount mark. After restore fdinfo shows the same marks, and opening a file
 * in the directory delivers an event with an fd of that file, while opening
 * the ignored file does not. Root only (CAP_SYS_ADMIN).
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zdtmtst.h"

/* The fanotify lines of our fdinfo, concatenated (with flags). */
static void marks_of(int fd, char *out, size_t len)
{
	char path[64], line[512];
	size_t n = 0;
	FILE *f;

	out[0] = '\0';
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f)) {
		/* a mount mark shows the mount id, which a restore may change */
		if (strncmp(line, "fanotify", 8) || !strncmp(line, "fanotify mnt_id:", 16))
			continue;
		n += (size_t)snprintf(out + n, len - n, "%s", line);
		if (n >= len)
			break;
	}
	if (f)
		fclose(f);
}

/* The path of the file of the next event's fd (within a second), or "". */
static void next_event(int fd, char *path, size_t len)
{
	char buf[4096] __attribute__((aligned(8))), link[64];
	struct fanotify_event_metadata *m = (void *)buf;

	path[0] = '\0';
	for (int i = 0; i < 100; i++) {
		ssize_t n = read(fd, buf, sizeof(buf));

		/* only FAN_OPEN events: the mount mark reports closes anywhere on "/" */
		for (m = (void *)buf; n > 0 && FAN_EVENT_OK(m, n); m = FAN_EVENT_NEXT(m, n)) {
			bool open_ev = m->mask & FAN_OPEN;
			ssize_t l = 0;

			if (m->fd >= 0 && open_ev && !path[0]) {
				snprintf(link, sizeof(link), "/proc/self/fd/%d", m->fd);
				l = readlink(link, path, len - 1);
				path[l > 0 ? l : 0] = '\0';
			}
			if (m->fd >= 0)
				close(m->fd);
		}
		if (path[0])
			return;
		m = (void *)buf;
		usleep(10000);
	}
}

static void drain(int fd)
{
	char buf[4096] __attribute__((aligned(8)));
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (struct fanotify_event_metadata *m = (void *)buf; FAN_EVENT_OK(m, n);
		     m = FAN_EVENT_NEXT(m, n))
			if (m->fd >= 0)
				close(m->fd);
}

int main(int argc, char **argv)
{
	char dir[1024], wanted[1100], ign[1100], before[2048], after[2048], got[PATH_MAX];
	int fd, t;

	test_init(argc, argv);
	snprintf(dir, sizeof(dir), "%s", test_path("fan"));
	mkdir(dir, 0755);
	snprintf(wanted, sizeof(wanted), "%s/wanted", dir);
	snprintf(ign, sizeof(ign), "%s/ignored", dir);
	close(open(wanted, O_CREAT | O_WRONLY, 0644));
	close(open(ign, O_CREAT | O_WRONLY, 0644));
	fd = fanotify_init(FAN_CLASS_NOTIF | FAN_NONBLOCK, O_RDONLY | O_LARGEFILE);
	if (fd < 0)
		test_skip("fanotify_init: %m (needs CAP_SYS_ADMIN)");
	if (fanotify_mark(fd, FAN_MARK_ADD, FAN_OPEN | FAN_EVENT_ON_CHILD, AT_FDCWD, dir) ||
	    fanotify_mark(fd, FAN_MARK_ADD | FAN_MARK_IGNORED_MASK | FAN_MARK_IGNORED_SURV_MODIFY,
			  FAN_OPEN, AT_FDCWD, ign) ||
	    fanotify_mark(fd, FAN_MARK_ADD | FAN_MARK_MOUNT, FAN_CLOSE_NOWRITE, AT_FDCWD, "/"))
		fail("fanotify_mark: %m");
	drain(fd);
	marks_of(fd, before, sizeof(before));

	test_daemon();
	test_waitsig();

	marks_of(fd, after, sizeof(after));
	if (strcmp(before, after))
		fail("marks changed:\n%s--- now:\n%s", before, after);
	if (!(fcntl(fd, F_GETFL) & O_NONBLOCK))
		fail("FAN_NONBLOCK lost");
	drain(fd);
	t = open(ign, O_RDONLY);
	close(t);
	t = open(wanted, O_RDONLY);
	close(t);
	next_event(fd, got, sizeof(got));
	if (strcmp(got, wanted))
		fail("first event's file is '%s', expected '%s' (the ignored file is ignored)", got,
		     wanted);
	return test_done();
}
