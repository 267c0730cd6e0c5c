/*
 * An inotify instance keeps its watches: their descriptors (wd 1 was
 * removed, so the others are 2 and 3), masks and paths, and events are
 * still delivered after restore: a file created in the watched directory
 * comes with the directory's wd and the name, a file modified with its own.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zdtmtst.h"

/* The next event of @fd within a second: its wd, mask and name. */
static int next_event(int fd, int *wd, uint32_t *mask, char *name, size_t len)
{
	char buf[4096] __attribute__((aligned(8)));
	struct inotify_event *ev = (void *)buf;

	for (int i = 0; i < 100; i++) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n >= (ssize_t)sizeof(*ev)) {
			*wd = ev->wd;
			*mask = ev->mask;
			snprintf(name, len, "%s", ev->len ? ev->name : "");
			return 0;
		}
		if (n < 0 && errno != EAGAIN)
			return -1;
		usleep(10000);
	}
	return -1;
}

static int count_watches(int fd)
{
	char path[64], line[512];
	int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		n += !strncmp(line, "inotify wd:", 11);
	if (f)
		fclose(f);
	return n;
}

int main(int argc, char **argv)
{
	char dir[512], file[600], name[256];
	int fd, w1, wdir, wfile, wd, tmp;
	uint32_t mask;

	test_init(argc, argv);
	snprintf(dir, sizeof(dir), "%s", test_path("watched"));
	snprintf(file, sizeof(file), "%s/file", dir);
	if (mkdir(dir, 0755) && errno != EEXIST)
		fail("mkdir: %m");
	tmp = open(file, O_CREAT | O_WRONLY, 0644);
	close(tmp);
	fd = inotify_init1(IN_NONBLOCK);
	if (fd < 0)
		test_skip("inotify_init1: %m");
	w1 = inotify_add_watch(fd, "/", IN_ATTRIB);
	inotify_rm_watch(fd, w1);
	wdir = inotify_add_watch(fd, dir, IN_CREATE | IN_DELETE);
	wfile = inotify_add_watch(fd, file, IN_MODIFY | IN_EXCL_UNLINK);
	if (w1 != 1 || wdir != 2 || wfile != 3)
		test_skip("watch descriptors %d %d %d, expected 1 2 3", w1, wdir, wfile);
	while (next_event(fd, &wd, &mask, name, sizeof(name)) == 0)
		; /* IN_IGNORED of wd 1 */

	test_daemon();
	test_waitsig();

	if (count_watches(fd) != 2)
		fail("fdinfo lists %d watches, expected 2", count_watches(fd));
	if (!(fcntl(fd, F_GETFL) & O_NONBLOCK))
		fail("O_NONBLOCK lost");
	if (read(fd, name, sizeof(name)) != -1 || errno != EAGAIN)
		fail("events queued after restore: the queue was empty at dump");
	tmp = open(test_path("watched/new"), O_CREAT | O_WRONLY, 0644);
	close(tmp);
	if (next_event(fd, &wd, &mask, name, sizeof(name)) || wd != wdir || !(mask & IN_CREATE) ||
	    strcmp(name, "new"))
		fail("create: event wd %d mask 0x%x name '%s', expected wd %d IN_CREATE 'new'", wd,
		     mask, name, wdir);
	tmp = open(file, O_WRONLY | O_APPEND);
	if (tmp < 0 || write(tmp, "x", 1) != 1)
		fail("write %s: %m", file);
	close(tmp);
	if (next_event(fd, &wd, &mask, name, sizeof(name)) || wd != wfile || !(mask & IN_MODIFY))
		fail("modify: event wd %d mask 0x%x, expected wd %d IN_MODIFY", wd, mask, wfile);
	/* a new watch continues after the restored ones */
	w1 = inotify_add_watch(fd, "/", IN_ATTRIB);
	if (w1 <= wfile)
		fail("a new watch got wd %d, expected above %d", w1, wfile);
	unlink(test_path("watched/new"));
	return test_done();
}
