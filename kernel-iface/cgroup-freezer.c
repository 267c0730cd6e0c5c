/* The cgroup freezer, v1 and cgroup2. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "array.h"
#include "cgroup-freezer.h"

static int fz_read(const char *dir, const char *name, char *buf, size_t len)
{
	char path[4096 + 64];
	ssize_t n;
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

static int fz_write(const char *dir, const char *name, const char *val)
{
	char path[4096 + 64];
	size_t len = strlen(val);
	int fd, e = 0;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, val, len) != (ssize_t)len)
		e = errno;
	close(fd);
	return -e;
}

int freezer_kind(const char *dir)
{
	char path[4096 + 64];

	snprintf(path, sizeof(path), "%s/freezer.state", dir);
	if (!access(path, F_OK))
		return 1;
	snprintf(path, sizeof(path), "%s/cgroup.freeze", dir);
	if (!access(path, F_OK))
		return 2;
	return -ENOENT;
}

/* Every task of @dir is frozen now. */
static bool fz_done(const char *dir, int kind)
{
	char buf[512];

	if (kind == 1)
		return !fz_read(dir, "freezer.state", buf, sizeof(buf)) &&
		       !strncmp(buf, "FROZEN", 6);
	return !fz_read(dir, "cgroup.events", buf, sizeof(buf)) && strstr(buf, "frozen 1");
}

int freezer_freeze(const char *dir, int timeout_ms)
{
	int kind = freezer_kind(dir), ret;
	struct timespec t0, t;

	if (kind < 0)
		return kind;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0;; i++) {
		/* v1: writing FROZEN again retries the tasks that were busy (FREEZING) */
		if (kind == 1 || i == 0) {
			ret = fz_write(dir, kind == 1 ? "freezer.state" : "cgroup.freeze",
				       kind == 1 ? "FROZEN" : "1");
			if (ret)
				return ret;
		}
		if (fz_done(dir, kind))
			return 0;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 > timeout_ms)
			return -ETIMEDOUT;
		usleep(i < 100 ? 100 : 1000);
	}
}

int freezer_thaw(const char *dir)
{
	int kind = freezer_kind(dir);

	if (kind < 0)
		return kind;
	return fz_write(dir, kind == 1 ? "freezer.state" : "cgroup.freeze",
			kind == 1 ? "THAWED" : "0");
}

bool freezer_frozen(const char *dir)
{
	int kind = freezer_kind(dir);
	char buf[64];

	if (kind == 1)
		return !fz_read(dir, "freezer.state", buf, sizeof(buf)) &&
		       strncmp(buf, "THAWED", 6);
	return kind == 2 && !fz_read(dir, "cgroup.freeze", buf, sizeof(buf)) && buf[0] == '1';
}

static int fz_add_procs(const char *dir, pid_t **out, size_t *n)
{
	char path[4096 + 64], line[32];
	struct dirent *de;
	FILE *f;
	DIR *d;
	int ret = 0;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (!ret && fgets(line, sizeof(line), f)) {
		if (ARRAY_GROW(*out, *n))
			ret = -ENOMEM;
		else
			(*out)[(*n)++] = (pid_t)atoi(line);
	}
	fclose(f);
	d = opendir(dir);
	if (!d)
		return ret ? ret : -errno;
	while (!ret && (de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= sizeof(path))
			ret = -ENAMETOOLONG;
		else
			ret = fz_add_procs(path, out, n);
	}
	closedir(d);
	return ret;
}

int freezer_procs(const char *dir, pid_t **out, size_t *n)
{
	int ret;

	*out = NULL;
	*n = 0;
	ret = fz_add_procs(dir, out, n);
	if (ret) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return ret;
}
