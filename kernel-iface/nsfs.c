#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nsfs.h"

static void ns_path(pid_t pid, const char *name, char *buf, size_t len)
{
	if (pid)
		snprintf(buf, len, "/proc/%d/ns/%s", (int)pid, name);
	else
		snprintf(buf, len, "/proc/self/ns/%s", name);
}

int ns_read_ino(pid_t pid, const char *name, uint64_t *ino)
{
	char path[64];
	struct stat st;

	ns_path(pid, name, path, sizeof(path));
	if (stat(path, &st))
		return -errno;
	*ino = (uint64_t)st.st_ino;
	return 0;
}

int ns_enter(pid_t pid, const char *name, int nstype, int *back)
{
	char path[64];
	int fd, ret = 0;

	ns_path(0, name, path, sizeof(path));
	*back = open(path, O_RDONLY | O_CLOEXEC);
	if (*back < 0)
		return -errno;
	ns_path(pid, name, path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, nstype))
		ret = -errno;
	if (fd >= 0)
		close(fd);
	if (ret) {
		close(*back);
		*back = -1;
	}
	return ret;
}

int ns_leave(int back, int nstype)
{
	int ret = setns(back, nstype) ? -errno : 0;

	close(back);
	return ret;
}
