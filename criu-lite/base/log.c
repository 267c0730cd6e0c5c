#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

/*
 * The log is the one process-wide piece of state: it is written from every
 * layer and configured once by main(). Everything else is passed explicitly.
 */
static struct {
	int level;
	int fd;
	struct timespec start;
	char *keep; /* log_keep_errors() */
	size_t keep_len;
} lg = {.level = LOG_WARN, .fd = -1};

int log_init(int level, const char *path)
{
	lg.level = level;
	clock_gettime(CLOCK_MONOTONIC, &lg.start);
	if (path && strcmp(path, "-") != 0) {
		int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

		if (fd < 0) {
			fprintf(stderr, "Error: log file '%s': %s\n", path, strerror(errno));
			return -errno;
		}
		lg.fd = fd;
	}
	return 0;
}

void log_keep_errors(char *buf, size_t len)
{
	lg.keep = len ? buf : NULL;
	lg.keep_len = len;
}

void log_fini(void)
{
	if (lg.fd >= 0)
		close(lg.fd);
	lg.fd = -1;
}

static const char *const prefix[] = {
	[LOG_ERROR] = "Error: ",
	[LOG_WARN] = "Warn: ",
	[LOG_INFO] = "",
	[LOG_DEBUG] = "",
};

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	char line[4096];
	struct timespec now;
	va_list ap;
	int saved = errno, n;

	if ((int)lvl > lg.level && lvl != LOG_ERROR)
		return;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	/* One line per message, whatever the caller passed. */
	while (n > 0 && line[n - 1] == '\n')
		n--;
	line[n++] = '\n';
	line[n] = '\0';

	if (lg.fd >= 0) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		long ms = (now.tv_sec - lg.start.tv_sec) * 1000 +
			  (now.tv_nsec - lg.start.tv_nsec) / 1000000;
		dprintf(lg.fd, "(%6ld.%03ld) %d %s%s", ms / 1000, ms % 1000, (int)getpid(),
			prefix[lvl], line);
	}
	/* the first error, as criu's cr_errmsg: the cause, not the "failed" lines after it */
	if (lvl == LOG_ERROR && lg.keep && !lg.keep[0])
		snprintf(lg.keep, lg.keep_len, "%.*s", n - 1, line);
	/* Errors always go to stderr; other levels only when not logging to a file. */
	if (lvl == LOG_ERROR || lg.fd < 0)
		fprintf(stderr, "%s%s", prefix[lvl], line);
	errno = saved;
}
