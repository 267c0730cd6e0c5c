/* Time namespace offsets (timens.h). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proc-maps.h"
#include "timens.h"

/* CLOCK_MONOTONIC (1) and CLOCK_BOOTTIME (7), named or numbered. */
static int64_t *timens_slot(struct timens_offsets *o, const char *clk, int64_t **nsec)
{
	if (!strcmp(clk, "monotonic") || !strcmp(clk, "1")) {
		*nsec = &o->mono_nsec;
		return &o->mono_sec;
	}
	if (!strcmp(clk, "boottime") || !strcmp(clk, "7")) {
		*nsec = &o->boot_nsec;
		return &o->boot_sec;
	}
	return NULL;
}

int timens_parse_offsets(const char *buf, struct timens_offsets *out)
{
	const char *p = buf;
	int seen = 0;

	memset(out, 0, sizeof(*out));
	while (*p) {
		char clk[32];
		int64_t sec, nsec, *s, *ns;
		int n = 0;

		if (sscanf(p, "%31s %" SCNd64 " %" SCNd64 "%n", clk, &sec, &nsec, &n) != 3)
			return -EINVAL;
		s = timens_slot(out, clk, &ns);
		if (!s)
			return -EINVAL;
		*s = sec;
		*ns = nsec;
		seen++;
		p += n;
		while (*p == '\n' || *p == ' ')
			p++;
	}
	return seen ? 0 : -EINVAL;
}

int timens_read_offsets(pid_t pid, struct timens_offsets *out)
{
	char path[64], *buf;
	size_t len;
	int ret;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/timens_offsets", (int)pid);
	else
		snprintf(path, sizeof(path), "/proc/self/timens_offsets");
	ret = proc_read_file(path, &buf, &len);
	if (ret)
		return ret;
	ret = timens_parse_offsets(buf, out);
	free(buf);
	return ret;
}

int timens_write_offsets(const struct timens_offsets *o)
{
	char buf[128];
	int fd = open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC), n, ret = 0;

	if (fd < 0)
		return -errno;
	/* one clock per write: the kernel parses a line at a time */
	n = snprintf(buf, sizeof(buf), "monotonic %" PRId64 " %" PRId64 "\n", o->mono_sec,
		     o->mono_nsec);
	if (write(fd, buf, (size_t)n) != n)
		ret = -errno;
	n = snprintf(buf, sizeof(buf), "boottime %" PRId64 " %" PRId64 "\n", o->boot_sec,
		     o->boot_nsec);
	if (!ret && write(fd, buf, (size_t)n) != n)
		ret = -errno;
	close(fd);
	return ret;
}
