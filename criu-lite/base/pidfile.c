/* --pidfile (see pidfile.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "pidfile.h"

int pidfile_write(const char *path, pid_t pid)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%d\n", (int)pid), fd, ret = 0;
	ssize_t w;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		ret = -errno;
		pr_err("pidfile '%s': %s", path, strerror(-ret));
		return ret;
	}
	w = write(fd, buf, (size_t)n);
	if (w < 0)
		ret = -errno;
	else if (w != n)
		ret = -EIO;
	if (close(fd) && !ret)
		ret = -errno;
	if (ret)
		pr_err("pidfile '%s': writing pid %d: %s", path, (int)pid, strerror(-ret));
	return ret;
}
