/*
 * --shell-job target: started by a shell on a terminal (stdin, stdout and
 * stderr are the terminal). Writes RES.pid and RES.ready, waits until RES.go
 * exists, then checks that fds 0-2 are still terminals, that it has a
 * controlling terminal and is in its foreground group, writes a line to the
 * terminal and "PASS" or "FAIL: why" to RES.out. Exit status 0 on PASS.
 *
 * usage: shell_job RES
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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

static const char *check(void)
{
	static char why[256];
	int fd;

	for (int i = 0; i < 3; i++)
		if (!isatty(i)) {
			snprintf(why, sizeof(why), "FAIL: fd %d is not a terminal", i);
			return why;
		}
	fd = open("/dev/tty", O_RDWR | O_NOCTTY);
	if (fd < 0) {
		snprintf(why, sizeof(why), "FAIL: no controlling terminal: %s", strerror(errno));
		return why;
	}
	close(fd);
	if (tcgetpgrp(0) != getpgrp()) {
		snprintf(why, sizeof(why), "FAIL: not in the foreground group (%d, ours %d)",
			 (int)tcgetpgrp(0), (int)getpgrp());
		return why;
	}
	if (dprintf(1, "hello from the shell job, pid %d\n", (int)getpid()) < 0) {
		snprintf(why, sizeof(why), "FAIL: cannot write to the terminal: %s",
			 strerror(errno));
		return why;
	}
	return "PASS";
}

int main(int argc, char **argv)
{
	char path[512], buf[32];
	const char *r;

	if (argc < 2)
		return 2;
	r = check(); /* the same checks hold before the dump */
	if (strcmp(r, "PASS")) {
		put(argv[1], "out", r);
		return 1;
	}
	snprintf(buf, sizeof(buf), "%d", (int)getpid());
	put(argv[1], "pid", buf);
	put(argv[1], "ready", "ready");
	snprintf(path, sizeof(path), "%s.go", argv[1]);
	while (access(path, F_OK))
		usleep(20000);
	r = check();
	put(argv[1], "out", r);
	return strcmp(r, "PASS") ? 1 : 0;
}
