/*
 * /proc/PID/fdinfo/FD: the common "pos/flags/mnt_id/ino" lines
 * (fs/proc/fd.c) plus per-type lines written by each file's show_fdinfo:
 * eventfd (fs/eventfd.c, count in hex), signalfd (fs/signalfd.c), timerfd
 * (fs/timerfd.c), epoll (fs/eventpoll.c, one "tfd:" line per target), and
 * one "lock:" line per file lock held through the file (fs/proc/fd.c
 * show_fd_locks: flock and OFD locks of this open file description, POSIX
 * locks of this files table taken through it; blocked waiters are not listed).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "proc-fdinfo.h"
#include "proc-maps.h"

static int fi_ull(const char *p, int base, unsigned long long *v)
{
	char *end;

	errno = 0;
	*v = strtoull(p, &end, base);
	return end == p || errno ? -EINVAL : 0;
}

static int fi_add_tfd(struct proc_fdinfo *o, const char *line)
{
	struct proc_epoll_tfd t = {0};
	unsigned long long data, pos, ino;
	unsigned int events, dev;

	/* "tfd: %8d events: %8x data: %16llx  pos:%lli ino:%lx sdev:%x" */
	if (sscanf(line, "tfd: %d events: %x data: %llx pos:%lli ino:%llx sdev:%x", &t.tfd, &events,
		   &data, &pos, &ino, &dev) != 6)
		return -EINVAL;
	t.events = events;
	t.data = data;
	t.pos = pos;
	t.ino = ino;
	t.dev = dev;
	if (ARRAY_GROW(o->tfds, o->n_tfds))
		return -ENOMEM;
	o->tfds[o->n_tfds++] = t;
	o->is_epoll = true;
	return 0;
}

static const struct {
	const char *name;
	enum proc_lock_kind kind;
} lock_kinds[] = {
	{"POSIX", PROC_LOCK_POSIX}, {"OFDLCK", PROC_LOCK_OFD},	{"FLOCK", PROC_LOCK_FLOCK},
	{"LEASE", PROC_LOCK_LEASE}, {"DELEG", PROC_LOCK_LEASE},
};

int proc_parse_lock(const char *val, struct proc_lock *out)
{
	char kind[16], mode[16], type[8], end[24], *e;
	long long id;
	int n = 0;

	memset(out, 0, sizeof(*out));
	while (*val == ' ' || *val == '\t')
		val++;
	if (sscanf(val, "%lld: %n", &id, &n) != 1 || !n)
		return -EINVAL;
	val += n;
	snprintf(out->text, sizeof(out->text), "%s", val);
	out->text[strcspn(out->text, "\n")] = '\0';
	if (sscanf(val, "%15s %15s %7s %d %x:%x:%llu %lld %23s", kind, mode, type, &out->pid,
		   &out->maj, &out->min, &out->ino, &out->start, end) != 9)
		return -EINVAL;
	out->kind = PROC_LOCK_OTHER;
	for (size_t i = 0; i < sizeof(lock_kinds) / sizeof(lock_kinds[0]); i++)
		if (!strcmp(kind, lock_kinds[i].name))
			out->kind = lock_kinds[i].kind;
	out->advisory = !strcmp(mode, "ADVISORY");
	if (!strcmp(type, "WRITE"))
		out->write = true;
	else if (strcmp(type, "READ"))
		return -EINVAL;
	if (!strcmp(end, "EOF")) {
		out->end = -1;
		return 0;
	}
	errno = 0;
	out->end = strtoll(end, &e, 10);
	return *e || errno || out->end < out->start ? -EINVAL : 0;
}

static int fi_add_lock(struct proc_fdinfo *o, const char *val)
{
	if (ARRAY_GROW(o->locks, o->n_locks))
		return -ENOMEM;
	if (proc_parse_lock(val, &o->locks[o->n_locks]))
		return -EINVAL;
	o->n_locks++;
	return 0;
}

/* "fhandle-bytes:8 fhandle-type:1 f_handle:HEX" (or nothing: no CONFIG_EXPORTFS). */
static int fi_handle(const char *line, unsigned int *bytes, int *type, unsigned char fh[128])
{
	char hex[2 * 128 + 1];

	if (!*line || *line == '\n')
		return 0;
	if (sscanf(line, "fhandle-bytes:%x fhandle-type:%x f_handle:%256[0-9a-f]", bytes, type,
		   hex) != 3 ||
	    *bytes > 128 || strlen(hex) != 2 * *bytes)
		return -EINVAL;
	for (unsigned int i = 0; i < *bytes; i++) {
		unsigned int b;

		if (sscanf(hex + 2 * i, "%2x", &b) != 1)
			return -EINVAL;
		fh[i] = (unsigned char)b;
	}
	return 0;
}

int proc_parse_inotify_wd(const char *line, struct proc_inotify_wd *out)
{
	unsigned long long ino;
	int n = 0;

	memset(out, 0, sizeof(*out));
	if (sscanf(line, "inotify wd:%x ino:%llx sdev:%x mask:%x ignored_mask:%x %n", &out->wd,
		   &ino, &out->sdev, &out->mask, &out->ignored_mask, &n) != 5 ||
	    !n)
		return -EINVAL;
	out->ino = ino;
	return fi_handle(line + n, &out->fh_bytes, &out->fh_type, out->fh);
}

int proc_parse_fanotify_mark(const char *line, struct proc_fanotify_mark *out)
{
	unsigned long long ino;
	int n = 0;

	memset(out, 0, sizeof(*out));
	if (sscanf(line, "fanotify ino:%llx sdev:%x mflags:%x mask:%x ignored_mask:%x %n", &ino,
		   &out->sdev, &out->mflags, &out->mask, &out->ignored_mask, &n) == 5 &&
	    n) {
		out->kind = PROC_FAN_INODE;
		out->ino = ino;
		return fi_handle(line + n, &out->fh_bytes, &out->fh_type, out->fh);
	}
	out->kind = PROC_FAN_MOUNT;
	if (sscanf(line, "fanotify mnt_id:%x mflags:%x mask:%x ignored_mask:%x", &out->mnt_id,
		   &out->mflags, &out->mask, &out->ignored_mask) == 4)
		return 0;
	out->kind = PROC_FAN_SB;
	if (sscanf(line, "fanotify sdev:%x mflags:%x mask:%x ignored_mask:%x", &out->sdev,
		   &out->mflags, &out->mask, &out->ignored_mask) == 4)
		return 0;
	return -EINVAL;
}

static int fi_add_fmark(struct proc_fdinfo *o, const char *line)
{
	if (ARRAY_GROW(o->fmarks, o->n_fmarks))
		return -ENOMEM;
	if (proc_parse_fanotify_mark(line, &o->fmarks[o->n_fmarks]))
		return -EINVAL;
	o->n_fmarks++;
	return 0;
}

static int fi_add_iwd(struct proc_fdinfo *o, const char *line)
{
	if (ARRAY_GROW(o->iwds, o->n_iwds))
		return -ENOMEM;
	if (proc_parse_inotify_wd(line, &o->iwds[o->n_iwds]))
		return -EINVAL;
	o->n_iwds++;
	return 0;
}

static int fi_pair(const char *p, uint64_t *a, uint64_t *b)
{
	unsigned long long x, y;

	if (sscanf(p, "(%llu, %llu)", &x, &y) != 2)
		return -EINVAL;
	*a = x;
	*b = y;
	return 0;
}

static int fi_line(const char *line, const char *key, size_t klen, const char *val,
		   struct proc_fdinfo *o)
{
	unsigned long long x;
	int ret;

#define KEY(s) (klen == sizeof(s) - 1 && !memcmp(key, s, klen))
	if (KEY("tfd"))
		return fi_add_tfd(o, line);
	if (KEY("lock"))
		return fi_add_lock(o, val);
	if (KEY("inotify wd"))
		return fi_add_iwd(o, line);
	if (KEY("fanotify flags")) {
		o->has_fanotify = true;
		return sscanf(line, "fanotify flags:%x event-flags:%x", &o->fan_flags,
			      &o->fan_event_flags) == 2
			       ? 0
			       : -EINVAL;
	}
	if (KEY("fanotify ino") || KEY("fanotify mnt_id") || KEY("fanotify sdev"))
		return fi_add_fmark(o, line);
	if (KEY("Pid")) {
		o->has_pidfd = true;
		return sscanf(val, "%d", &o->pidfd_pid) == 1 ? 0 : -EINVAL;
	}
	if (KEY("it_value")) {
		o->has_timerfd = true;
		return fi_pair(val, &o->it_value_sec, &o->it_value_nsec);
	}
	if (KEY("it_interval")) {
		o->has_timerfd = true;
		return fi_pair(val, &o->it_interval_sec, &o->it_interval_nsec);
	}
	if (KEY("pos"))
		ret = fi_ull(val, 10, &o->pos);
	else if (KEY("ino"))
		ret = fi_ull(val, 10, &o->ino);
	else if (KEY("flags") || KEY("settime flags")) {
		ret = fi_ull(val, 8, &x);
		if (KEY("flags"))
			o->flags = x;
		else
			o->settime_flags = x;
	} else if (KEY("mnt_id")) {
		ret = fi_ull(val, 10, &x);
		o->mnt_id = x;
	} else if (KEY("eventfd-count")) {
		o->has_eventfd = true;
		ret = fi_ull(val, 16, &x);
		o->eventfd_count = x;
	} else if (KEY("sigmask")) {
		o->has_signalfd = true;
		ret = fi_ull(val, 16, &x);
		o->sigmask = x;
	} else if (KEY("clockid")) {
		o->has_timerfd = true;
		ret = fi_ull(val, 10, &x);
		o->clockid = x;
	} else if (KEY("ticks")) {
		ret = fi_ull(val, 10, &x);
		o->ticks = x;
	} else {
		ret = 0; /* other kinds (inotify, fanotify, ...) are not parsed here */
	}
#undef KEY
	return ret;
}

int proc_parse_fdinfo(const char *buf, struct proc_fdinfo *out)
{
	const char *p = buf, *eol, *colon, *val;
	char line[512];
	size_t n;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	for (; *p && !ret; p = *eol ? eol + 1 : eol) {
		eol = strchrnul(p, '\n');
		colon = memchr(p, ':', eol - p);
		if (!colon)
			continue;
		/* Work on a NUL-terminated copy so sscanf/strtoull stop at the line end. */
		n = eol - p;
		if (n >= sizeof(line))
			n = sizeof(line) - 1;
		memcpy(line, p, n);
		line[n] = '\0';
		if ((size_t)(colon - p) >= n)
			continue;
		val = line + (colon - p) + 1;
		while (*val == ' ' || *val == '\t')
			val++;
		ret = fi_line(line, line, colon - p, val, out);
	}
	if (ret)
		proc_fdinfo_fini(out);
	return ret;
}

int proc_read_fdinfo(pid_t pid, int fd, struct proc_fdinfo *out)
{
	char path[64], *buf;
	size_t len;
	int ret;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", (int)pid, fd);
	ret = proc_read_file(path, &buf, &len);
	if (ret)
		return ret;
	ret = proc_parse_fdinfo(buf, out);
	free(buf);
	return ret;
}

void proc_fdinfo_fini(struct proc_fdinfo *f)
{
	if (!f)
		return;
	free(f->tfds);
	f->tfds = NULL;
	f->n_tfds = 0;
	free(f->locks);
	f->locks = NULL;
	f->n_locks = 0;
	free(f->iwds);
	f->iwds = NULL;
	f->n_iwds = 0;
	free(f->fmarks);
	f->fmarks = NULL;
	f->n_fmarks = 0;
}
