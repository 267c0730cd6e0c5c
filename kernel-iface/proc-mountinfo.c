#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "proc-mountinfo.h"

/* Undoes the kernel's \ooo escapes in place. */
static void unescape(char *s)
{
	char *d = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*d++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*d++ = *s;
		}
	}
	*d = 0;
}

/* The next space-separated field of *@p, NUL-terminated in place, or NULL. */
static char *field(char **p)
{
	char *s = *p, *e;

	while (*s == ' ')
		s++;
	if (!*s)
		return NULL;
	e = strchr(s, ' ');
	if (e) {
		*e = 0;
		*p = e + 1;
	} else {
		*p = s + strlen(s);
	}
	return s;
}

static int parse_line(char *line, struct proc_mount *m)
{
	char *p = line, *f, *dash = strstr(line, " - ");

	if (!dash)
		return -EINVAL;
	*dash = 0;
	f = field(&p);
	if (!f || sscanf(f, "%d", &m->id) != 1 || !(f = field(&p)) ||
	    sscanf(f, "%d", &m->parent) != 1 || !(f = field(&p)) ||
	    sscanf(f, "%u:%u", &m->maj, &m->min) != 2)
		return -EINVAL;
	m->root = field(&p);
	m->mountpoint = field(&p);
	m->mopts = field(&p);
	if (!m->root || !m->mountpoint || !m->mopts)
		return -EINVAL;
	while (*p == ' ')
		p++;
	m->optional = p;
	p = dash + 3;
	m->fstype = field(&p);
	m->source = field(&p);
	m->sopts = field(&p);
	if (!m->fstype || !m->source || !m->sopts)
		return -EINVAL;
	unescape(m->root);
	unescape(m->mountpoint);
	unescape(m->source);
	return 0;
}

int proc_parse_mountinfo(const char *buf, struct proc_mounts *out)
{
	size_t cap = 0;
	char *line, *next;

	memset(out, 0, sizeof(*out));
	out->text = strdup(buf);
	if (!out->text)
		return -ENOMEM;
	for (line = out->text; line && *line; line = next) {
		int ret;

		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		if (out->n == cap) {
			struct proc_mount *m = realloc(out->m, (cap = cap * 2 + 16) * sizeof(*m));

			if (!m) {
				proc_mounts_free(out);
				return -ENOMEM;
			}
			out->m = m;
		}
		ret = parse_line(line, &out->m[out->n]);
		if (ret) {
			proc_mounts_free(out);
			return ret;
		}
		out->n++;
	}
	return 0;
}

int proc_read_mountinfo(pid_t pid, struct proc_mounts *out)
{
	char path[64], *buf = NULL;
	size_t len = 0, cap = 0;
	ssize_t r = 1;
	int fd, ret;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/mountinfo", (int)pid);
	else
		snprintf(path, sizeof(path), "/proc/self/mountinfo");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (r > 0) {
		if (cap - len < 4096) {
			char *b = realloc(buf, cap = cap * 2 + 8192);

			if (!b) {
				free(buf);
				close(fd);
				return -ENOMEM;
			}
			buf = b;
		}
		r = read(fd, buf + len, cap - len - 1);
		if (r > 0)
			len += (size_t)r;
	}
	ret = r < 0 ? -errno : 0;
	close(fd);
	if (!ret) {
		buf[len] = 0;
		ret = proc_parse_mountinfo(buf, out);
	}
	free(buf);
	return ret;
}

void proc_mounts_free(struct proc_mounts *ms)
{
	free(ms->m);
	free(ms->text);
	memset(ms, 0, sizeof(*ms));
}

unsigned long proc_mount_flags(const char *mopts)
{
	static const struct {
		const char *name;
		unsigned long flag;
	} names[] = {{"ro", MS_RDONLY},
		     {"nosuid", MS_NOSUID},
		     {"nodev", MS_NODEV},
		     {"noexec", MS_NOEXEC},
		     {"sync", MS_SYNCHRONOUS},
		     {"noatime", MS_NOATIME},
		     {"nodiratime", MS_NODIRATIME},
		     {"relatime", MS_RELATIME},
		     {"strictatime", MS_STRICTATIME}};
	unsigned long flags = 0;
	const char *p = mopts;

	while (p && *p) {
		size_t len = strcspn(p, ",");

		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (strlen(names[i].name) == len && !strncmp(p, names[i].name, len))
				flags |= names[i].flag;
		p += len;
		if (*p == ',')
			p++;
	}
	return flags;
}
