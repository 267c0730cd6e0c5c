/* /proc/PID/cgroup and the mounts of cgroup hierarchies. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "proc-cgroup.h"
#include "proc-maps.h"

static int parse_line(char *line, struct proc_cgroup *c)
{
	char *colon1 = strchr(line, ':'), *colon2, *end;
	long hier;

	if (!colon1)
		return -EINVAL;
	colon2 = strchr(colon1 + 1, ':');
	if (!colon2 || colon2[1] != '/')
		return -EINVAL;
	*colon1 = *colon2 = '\0';
	errno = 0;
	hier = strtol(line, &end, 10);
	if (errno || end == line || *end || hier < 0 || hier > 1 << 20)
		return -EINVAL;
	c->hier = (int)hier;
	c->ctrls = colon1 + 1;
	c->path = colon2 + 1;
	return 0;
}

int proc_parse_cgroup(const char *buf, struct proc_cgroups *out)
{
	char *line, *next;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	out->text = strdup(buf);
	if (!out->text)
		return -ENOMEM;
	for (line = out->text; *line && !ret; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		else
			next = line + strlen(line);
		if (!*line)
			continue;
		if (ARRAY_GROW(out->c, out->n)) {
			ret = -ENOMEM;
			break;
		}
		ret = parse_line(line, &out->c[out->n]);
		if (!ret)
			out->n++;
	}
	if (ret)
		proc_cgroups_free(out);
	return ret;
}

int proc_read_cgroup(pid_t pid, struct proc_cgroups *out)
{
	char path[64], *buf;
	size_t len;
	int ret;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	else
		snprintf(path, sizeof(path), "/proc/self/cgroup");
	ret = proc_read_file(path, &buf, &len);
	if (ret)
		return ret;
	ret = proc_parse_cgroup(buf, out);
	free(buf);
	return ret;
}

void proc_cgroups_free(struct proc_cgroups *cs)
{
	free(cs->c);
	free(cs->text);
	memset(cs, 0, sizeof(*cs));
}

const struct proc_cgroup *proc_cgroup_find(const struct proc_cgroups *cs, const char *ctrls)
{
	for (size_t i = 0; i < cs->n; i++)
		if (!strcmp(cs->c[i].ctrls, ctrls))
			return &cs->c[i];
	return NULL;
}

/* @word is one of the comma-separated words of @list. */
static int has_word(const char *list, const char *word, size_t len)
{
	for (const char *p = list; *p;) {
		const char *e = strchr(p, ',');
		size_t l = e ? (size_t)(e - p) : strlen(p);

		if (l == len && !strncmp(p, word, len))
			return 1;
		if (!e)
			break;
		p = e + 1;
	}
	return 0;
}

/* Every controller of @ctrls is in the super block options @sopts. */
static int v1_matches(const char *sopts, const char *ctrls)
{
	for (const char *p = ctrls; *p;) {
		const char *e = strchr(p, ',');
		size_t l = e ? (size_t)(e - p) : strlen(p);

		if (!has_word(sopts, p, l))
			return 0;
		if (!e)
			break;
		p = e + 1;
	}
	return 1;
}

int cgroup_mount_of(const struct proc_mounts *ms, const char *ctrls, char *out, size_t len)
{
	for (size_t i = 0; i < ms->n; i++) {
		const struct proc_mount *m = &ms->m[i];
		bool v2 = !strcmp(m->fstype, "cgroup2");

		if (strcmp(m->root, "/") || (!v2 && strcmp(m->fstype, "cgroup")))
			continue;
		if (v2 != !*ctrls || (!v2 && !v1_matches(m->sopts, ctrls)))
			continue;
		if ((size_t)snprintf(out, len, "%s", m->mountpoint) >= len)
			return -ENAMETOOLONG;
		return 0;
	}
	return -ENOENT;
}
