/* Small /proc readers: auxv, links, posix timers (fs/proc/base.c show_timer()), comm, boot id. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "array.h"
#include "proc-maps.h"
#include "proc-misc.h"

int proc_read_auxv(pid_t pid, uint64_t *auxv, size_t max, size_t *n)
{
	char path[64], *buf;
	size_t len;
	int ret;

	snprintf(path, sizeof(path), "/proc/%d/auxv", (int)pid);
	ret = proc_read_file(path, &buf, &len);
	if (ret)
		return ret;
	if (len % sizeof(uint64_t))
		ret = -EINVAL;
	else if (len / sizeof(uint64_t) > max)
		ret = -E2BIG;
	if (!ret) {
		memcpy(auxv, buf, len);
		*n = len / sizeof(uint64_t);
	}
	free(buf);
	return ret;
}

int proc_readlink(pid_t pid, const char *what, char *buf, size_t len)
{
	char path[128];
	ssize_t r;

	if (len == 0)
		return -ENAMETOOLONG;
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, what);
	r = readlink(path, buf, len);
	if (r < 0)
		return -errno;
	/* A result that fills the buffer may have been cut. */
	if ((size_t)r >= len)
		return -ENAMETOOLONG;
	buf[r] = '\0';
	return 0;
}

static int tm_push(struct proc_posix_timer **v, size_t *n)
{
	if (ARRAY_GROW(*v, *n))
		return -ENOMEM;
	memset(&(*v)[*n], 0, sizeof(**v));
	(*n)++;
	return 0;
}

/* "notify: signal/pid.123", "notify: none/pid.123", "notify: signal/tid.123" */
static int tm_notify(const char *val, struct proc_posix_timer *t)
{
	char how[16], who[8];
	int id;

	if (sscanf(val, "%15[a-z]/%7[a-z].%d", how, who, &id) != 3)
		return -EINVAL;
	if (!strcmp(how, "signal"))
		t->notify = SIGEV_SIGNAL;
	else if (!strcmp(how, "none"))
		t->notify = SIGEV_NONE;
	else if (!strcmp(how, "thread"))
		t->notify = SIGEV_THREAD;
	else
		return -EINVAL;
	if (!strcmp(who, "tid"))
		t->notify |= SIGEV_THREAD_ID;
	else if (strcmp(who, "pid"))
		return -EINVAL;
	t->notify_tid = id;
	return 0;
}

static int tm_line(const char *line, struct proc_posix_timer **v, size_t *n)
{
	struct proc_posix_timer *t = *n ? &(*v)[*n - 1] : NULL;
	unsigned long long value;
	int x, ret;

	if (sscanf(line, "ID: %d", &x) == 1) {
		ret = tm_push(v, n);
		if (!ret)
			(*v)[*n - 1].id = x;
		return ret;
	}
	if (!t)
		return -EINVAL;
	if (!strncmp(line, "signal:", 7)) {
		/* sival_ptr is printed with %px: bare hex. */
		if (sscanf(line, "signal: %d/%llx", &x, &value) != 2)
			return -EINVAL;
		t->signo = x;
		t->sigev_value = value;
		return 0;
	}
	if (!strncmp(line, "notify:", 7))
		return tm_notify(line + 7 + strspn(line + 7, " "), t);
	if (sscanf(line, "ClockID: %d", &x) == 1) {
		t->clock_id = x;
		return 0;
	}
	return 0;
}

int proc_parse_timers(const char *buf, struct proc_posix_timer **out, size_t *n)
{
	struct proc_posix_timer *v = NULL;
	size_t nv = 0, l;
	const char *p = buf, *eol;
	char line[256];
	int ret = 0;

	for (; *p && !ret; p = *eol ? eol + 1 : eol) {
		eol = strchrnul(p, '\n');
		l = eol - p;
		if (l == 0)
			continue;
		if (l >= sizeof(line)) {
			ret = -EINVAL;
			break;
		}
		memcpy(line, p, l);
		line[l] = '\0';
		ret = tm_line(line, &v, &nv);
	}
	if (ret) {
		free(v);
		return ret;
	}
	*out = v;
	*n = nv;
	return 0;
}

int proc_read_timers(pid_t pid, struct proc_posix_timer **out, size_t *n)
{
	char path[64], *buf;
	size_t len;
	int ret;

	snprintf(path, sizeof(path), "/proc/%d/timers", (int)pid);
	ret = proc_read_file(path, &buf, &len);
	if (ret)
		return ret;
	ret = proc_parse_timers(buf, out, n);
	free(buf);
	return ret;
}

/* Reads a one-line file into @buf without its newline. */
static int proc_read_line(const char *path, char *buf, size_t len)
{
	char *b;
	size_t n;
	int ret;

	ret = proc_read_file(path, &b, &n);
	if (ret)
		return ret;
	if (n && b[n - 1] == '\n')
		b[--n] = '\0';
	if (n >= len) {
		free(b);
		return -ENAMETOOLONG;
	}
	memcpy(buf, b, n + 1);
	free(b);
	return 0;
}

int proc_read_comm(pid_t pid, pid_t tid, char *buf, size_t len)
{
	char path[96];

	if (tid)
		snprintf(path, sizeof(path), "/proc/%d/task/%d/comm", (int)pid, (int)tid);
	else
		snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	return proc_read_line(path, buf, len);
}

int proc_read_boot_id(char *buf, size_t len)
{
	return proc_read_line("/proc/sys/kernel/random/boot_id", buf, len);
}

/* One unsigned decimal number in a /proc or /sys file. */
static int proc_read_ulong(const char *path, unsigned long *out)
{
	char buf[32], *end;
	int ret;

	ret = proc_read_line(path, buf, sizeof(buf));
	if (ret)
		return ret;
	errno = 0;
	*out = strtoul(buf, &end, 10);
	return end == buf || errno ? -EINVAL : 0;
}

int proc_read_thp_pmd_size(unsigned long *out)
{
	return proc_read_ulong("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size", out);
}

int proc_read_max_map_count(unsigned long *out)
{
	return proc_read_ulong("/proc/sys/vm/max_map_count", out);
}

int proc_read_loginuid(pid_t pid, uint32_t *out)
{
	char path[64];
	unsigned long v;
	int ret;

	snprintf(path, sizeof(path), "/proc/%d/loginuid", (int)pid);
	ret = proc_read_ulong(path, &v);
	if (!ret && v > UINT32_MAX)
		ret = -EINVAL;
	if (!ret)
		*out = (uint32_t)v;
	return ret;
}

/* Copies mountinfo field @f (up to a space) into @out, undoing "\\ooo" escapes. */
static int mi_unescape(const char *f, char *out, size_t len)
{
	size_t n = 0;

	for (; *f && *f != ' ' && *f != '\n'; f++) {
		char c = *f;

		if (c == '\\' && f[1] >= '0' && f[1] <= '7' && f[2] && f[3]) {
			c = (char)(((f[1] - '0') << 6) | ((f[2] - '0') << 3) | (f[3] - '0'));
			f += 3;
		}
		if (n + 1 >= len)
			return -ENAMETOOLONG;
		out[n++] = c;
	}
	out[n] = '\0';
	return 0;
}

int proc_parse_mountinfo_dev(const char *buf, unsigned int maj, unsigned int min, char *out,
			     size_t len)
{
	for (const char *p = buf; *p; p = strchrnul(p, '\n'), p += *p ? 1 : 0) {
		unsigned int ma, mi;
		int n = 0;

		/* "ID PARENT MAJ:MIN ROOT MOUNT-POINT ..." */
		if (sscanf(p, "%*d %*d %u:%u %*s %n", &ma, &mi, &n) != 2 || !n)
			return -EINVAL;
		if (ma == maj && mi == min)
			return mi_unescape(p + n, out, len);
	}
	return -ENOENT;
}

int proc_read_mount_of_dev(pid_t pid, unsigned int maj, unsigned int min, char *out, size_t len)
{
	char path[64], *buf = NULL;
	size_t n;
	int ret;

	snprintf(path, sizeof(path), "/proc/%d/mountinfo", (int)pid);
	ret = proc_read_file(path, &buf, &n);
	if (!ret)
		ret = proc_parse_mountinfo_dev(buf, maj, min, out, len);
	free(buf);
	return ret;
}

int proc_parse_mountinfo_id(const char *buf, int mnt_id, char *out, size_t len)
{
	for (const char *p = buf; *p; p = strchrnul(p, '\n'), p += *p ? 1 : 0) {
		int id, n = 0;

		if (sscanf(p, "%d %*d %*u:%*u %*s %n", &id, &n) != 1 || !n)
			return -EINVAL;
		if (id == mnt_id)
			return mi_unescape(p + n, out, len);
	}
	return -ENOENT;
}

int proc_read_mount_of_id(pid_t pid, int mnt_id, char *out, size_t len)
{
	char path[64], *buf = NULL;
	size_t n;
	int ret;

	snprintf(path, sizeof(path), "/proc/%d/mountinfo", (int)pid);
	ret = proc_read_file(path, &buf, &n);
	if (!ret)
		ret = proc_parse_mountinfo_id(buf, mnt_id, out, len);
	free(buf);
	return ret;
}
