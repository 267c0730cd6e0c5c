/* clear_refs and pagemap bit 55. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "soft-dirty.h"

/* Value of /proc/PID/clear_refs that clears soft-dirty bits (fs/proc/task_mmu.c). */
#define CLEAR_REFS_SOFT_DIRTY "4"

int soft_dirty_clear(pid_t pid)
{
	char path[64];
	int fd, ret = 0;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/clear_refs", (int)pid);
	else
		snprintf(path, sizeof(path), "/proc/self/clear_refs");
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, CLEAR_REFS_SOFT_DIRTY, 1) != 1)
		ret = -errno;
	close(fd);
	return ret;
}
