/*
 * Restore: files under /proc of the restored tree itself (/proc/PID/... with
 * PID a process or thread of the tree; /proc/self/... reads so in the
 * images). Such a file names a process that does not exist while the tool
 * opens files, and would name the tool's if opened by it: the tool installs
 * a placeholder (/dev/null), and once every process exists each process
 * holding one opens it itself, by injection, at its fd number, flags and
 * offset. Processes that shared one description get one each.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "inject.h"
#include "log.h"
#include "restore-fd.h"
#include "restore-scratch.h"

bool rst_procfile_of_tree(const struct rst_ctx *c, const char *name)
{
	char *end;
	long pid;

	if (strncmp(name, "/proc/", 6) || name[6] < '1' || name[6] > '9')
		return false;
	pid = strtol(name + 6, &end, 10);
	if (*end != '/' && *end != '\0')
		return false;
	for (size_t i = 0; i < c->nr_tasks; i++)
		for (size_t j = 0; j < c->tasks[i].nr_th; j++)
			if (c->tasks[i].th[j].tid == (pid_t)pid)
				return true;
	return false;
}

int rst_procfile_placeholder(const FileEntry *fe, int *fdp)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		int e = errno;

		pr_err("file '%s' (id %u): placeholder: %s", fe->reg->name, fe->id, strerror(e));
		return -e;
	}
	*fdp = fd;
	return 0;
}

/* Opens @fe in the process at fd @fdi->fd (replacing the placeholder). Logs. */
static int rst_procfile_one(struct inject *in, pid_t pid, const FileEntry *fe,
			    const FdinfoEntry *fdi)
{
	const struct rst_scratch sc = rst_scratch_of(in);
	const RegFileEntry *r = fe->reg;
	int flags = (int)r->flags & ~(O_CREAT | O_TRUNC | O_EXCL | O_NOCTTY);
	unsigned long at;
	long fd, ret;

	if (strlen(r->name) + 1 > PATH_MAX)
		return -ENAMETOOLONG;
	ret = rst_scratch_put(in, &sc, RST_SCR_ARG, 0, r->name, strlen(r->name) + 1, &at);
	if (ret)
		return (int)ret;
	fd = inject_call(in, SYS_openat, (unsigned long)AT_FDCWD, at,
			 (unsigned long)(flags | O_CLOEXEC), 0, 0, 0);
	if (fd < 0) {
		pr_err("pid %d: fd %u: opening '%s': %s", pid, fdi->fd, r->name,
		       strerror((int)-fd));
		return (int)fd;
	}
	ret = inject_call(in, SYS_dup3, (unsigned long)fd, fdi->fd,
			  (fdi->flags & FD_CLOEXEC) ? O_CLOEXEC : 0, 0, 0, 0);
	inject_call(in, SYS_close, (unsigned long)fd, 0, 0, 0, 0, 0);
	if (!ret && r->pos && !(flags & O_PATH)) {
		ret = inject_call(in, SYS_lseek, fdi->fd, r->pos, SEEK_SET, 0, 0, 0);
		ret = ret < 0 && ret != -ESPIPE ? ret : 0;
	}
	if (ret < 0)
		pr_err("pid %d: fd %u ('%s'): %s", pid, fdi->fd, r->name, strerror((int)-ret));
	return ret < 0 ? (int)ret : 0;
}

int rst_procfile_fds(struct rst_ctx *c, struct rst_task *t, struct inject *in)
{
	for (size_t i = 0; i < t->nr_fds; i++) {
		const FileEntry *fe = rst_file_entry(c, t->fds[i]->id);
		int ret;

		if (!fe || fe->type != FD_TYPES__REG || !fe->reg ||
		    !rst_procfile_of_tree(c, fe->reg->name))
			continue;
		ret = rst_procfile_one(in, t->pid, fe, t->fds[i]);
		if (ret)
			return ret;
	}
	return 0;
}
