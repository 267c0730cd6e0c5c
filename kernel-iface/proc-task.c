/* Listings under /proc/PID: task/, task/TID/children, fd/. */
#include <dirent.h>
#include <stdbool.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "array.h"
#include "proc-maps.h"
#include "proc-task.h"

struct pt_ints {
	long *v;
	size_t n;
};

static int pt_push(struct pt_ints *a, long x)
{
	if (ARRAY_GROW(a->v, a->n))
		return -ENOMEM;
	a->v[a->n++] = x;
	return 0;
}

static int pt_cmp(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return x < y ? -1 : x > y;
}

/* Numeric entries of directory @path, sorted; @skip_own_fd leaves out the listing's own fd. */
static int pt_list_dir(const char *path, bool skip_own_fd, struct pt_ints *a)
{
	struct dirent *de;
	char *end;
	DIR *d;
	long x;
	int ret = 0;

	d = opendir(path);
	if (!d)
		return -errno;
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (!de) {
			ret = -errno;
			break;
		}
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		x = strtol(de->d_name, &end, 10);
		if (*end || (skip_own_fd && x == dirfd(d)))
			continue;
		ret = pt_push(a, x);
		if (ret)
			break;
	}
	closedir(d);
	if (ret) {
		free(a->v);
		return ret;
	}
	qsort(a->v, a->n, sizeof(*a->v), pt_cmp);
	return 0;
}

int proc_list_threads(pid_t pid, pid_t **tids, size_t *n)
{
	struct pt_ints a = {0};
	char path[64];
	size_t i, j;
	pid_t *t;
	int ret;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	ret = pt_list_dir(path, false, &a);
	if (ret)
		return ret;
	t = malloc((a.n ? a.n : 1) * sizeof(*t));
	if (!t) {
		free(a.v);
		return -ENOMEM;
	}
	/* Leader first (it is absent once it exited while threads live on), then the rest. */
	j = 0;
	for (i = 0; i < a.n; i++)
		if (a.v[i] == pid)
			t[j++] = pid;
	for (i = 0; i < a.n; i++)
		if (a.v[i] != pid)
			t[j++] = a.v[i];
	free(a.v);
	*tids = t;
	*n = j;
	return 0;
}

int proc_list_children(pid_t pid, pid_t tid, pid_t **kids, size_t *n)
{
	struct pt_ints a = {0};
	char path[96], *buf, *p, *end;
	size_t len, i;
	pid_t *k;
	long x;
	int ret = 0;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid, (int)(tid ? tid : pid));
	ret = proc_read_file(path, &buf, &len);
	if (ret)
		return ret;
	for (p = buf; !ret; p = end) {
		while (*p == ' ' || *p == '\n')
			p++;
		if (!*p)
			break;
		x = strtol(p, &end, 10);
		if (end == p)
			ret = -EINVAL;
		else
			ret = pt_push(&a, x);
	}
	free(buf);
	k = ret ? NULL : malloc((a.n ? a.n : 1) * sizeof(*k));
	if (!k) {
		free(a.v);
		return ret ? ret : -ENOMEM;
	}
	for (i = 0; i < a.n; i++)
		k[i] = a.v[i];
	free(a.v);
	*kids = k;
	*n = a.n;
	return 0;
}

int proc_list_fds(pid_t pid, int **fds, size_t *n)
{
	struct pt_ints a = {0};
	char path[64];
	size_t i;
	int *f;
	int ret;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	ret = pt_list_dir(path, pid == getpid(), &a);
	if (ret)
		return ret;
	f = malloc((a.n ? a.n : 1) * sizeof(*f));
	if (!f) {
		free(a.v);
		return -ENOMEM;
	}
	for (i = 0; i < a.n; i++)
		f[i] = a.v[i];
	free(a.v);
	*fds = f;
	*n = a.n;
	return 0;
}
