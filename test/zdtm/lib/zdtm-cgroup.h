/*
 * Test cgroups for the cgroup tests: one directory "zdtm-cg-PID" below the
 * test's own cgroup in a hierarchy mounted at /sys/fs/cgroup/NAME, with
 * sub-cgroups; entered, read back from /proc/self/cgroup, removed.
 */
#ifndef ZDTM_CGROUP_H
#define ZDTM_CGROUP_H

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct zcg {
	int ok;
	char mnt[256];	 /* /sys/fs/cgroup/pids */
	char orig[1024]; /* the test's cgroup when it started */
	char rel[2048];	 /* orig/zdtm-cg-PID */
};

/* The path of hierarchy @ctrls ("" : cgroup2) in /proc/self/cgroup. 0 or -1. */
static inline int zcg_self(const char *ctrls, char *out, size_t len)
{
	FILE *f = fopen("/proc/self/cgroup", "r");
	char line[4096];
	int ret = -1;

	while (f && fgets(line, sizeof(line), f)) {
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;

		if (!c2)
			continue;
		*c2 = '\0';
		line[strcspn(c2 + 1, "\n") + (size_t)(c2 + 1 - line)] = '\0';
		if (!strcmp(c1 + 1, ctrls)) {
			snprintf(out, len, "%s", c2 + 1);
			ret = 0;
			break;
		}
	}
	if (f)
		fclose(f);
	return ret;
}

static inline int zcg_write(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ok;

	if (fd < 0)
		return -1;
	ok = write(fd, val, strlen(val)) == (ssize_t)strlen(val);
	close(fd);
	return ok ? 0 : -1;
}

/* Makes the test cgroup and @sub1, @sub2 (NULL: none) below it. 0, or -1 (z->ok stays 0). */
static inline int zcg_make(struct zcg *z, const char *name, const char *ctrls, const char *sub1,
			   const char *sub2)
{
	char p[4096];
	struct stat st;

	memset(z, 0, sizeof(*z));
	snprintf(z->mnt, sizeof(z->mnt), "/sys/fs/cgroup/%s", name);
	if (stat(z->mnt, &st) || zcg_self(ctrls, z->orig, sizeof(z->orig)))
		return -1;
	snprintf(z->rel, sizeof(z->rel), "%s/zdtm-cg-%d", strcmp(z->orig, "/") ? z->orig : "",
		 (int)getpid());
	snprintf(p, sizeof(p), "%s%s", z->mnt, z->rel);
	if (mkdir(p, 0755))
		return -1;
	for (int i = 0; i < 2; i++) {
		const char *sub = i ? sub2 : sub1;

		snprintf(p, sizeof(p), "%s%s/%s", z->mnt, z->rel, sub ? sub : "");
		if (sub && mkdir(p, 0755))
			return -1;
	}
	z->ok = 1;
	return 0;
}

/* Moves the caller into sub-cgroup @sub ("" : the test cgroup). 0 or -1. */
static inline int zcg_enter(const struct zcg *z, const char *sub)
{
	char p[4096];

	snprintf(p, sizeof(p), "%s%s%s%s/cgroup.procs", z->mnt, z->rel, *sub ? "/" : "", sub);
	return zcg_write(p, "0");
}

/* Moves the caller back to its first cgroup and removes the test cgroups. */
static inline void zcg_remove(const struct zcg *z, const char *sub1, const char *sub2)
{
	char p[4096];

	if (!z->mnt[0] || !z->rel[0])
		return;
	snprintf(p, sizeof(p), "%s%s/cgroup.procs", z->mnt, strcmp(z->orig, "/") ? z->orig : "");
	zcg_write(p, "0");
	for (int i = 0; i < 2; i++) {
		const char *sub = i ? sub2 : sub1;

		snprintf(p, sizeof(p), "%s%s/%s", z->mnt, z->rel, sub ? sub : "");
		if (sub)
			rmdir(p);
	}
	snprintf(p, sizeof(p), "%s%s", z->mnt, z->rel);
	rmdir(p);
}

#endif
