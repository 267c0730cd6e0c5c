/*
 * Properties of the tree's cgroups: the test moves into a test cgroup of
 * the v1 memory and pids hierarchies with memory.limit_in_bytes 64 MiB and
 * pids.max 77 (cgroup2's memory.max and pids.max where the hierarchy has
 * those controllers). After restore it is still there and reads back the
 * same limits from its own cgroup. In leave mode the original removes its
 * cgroups before the restore: the restore makes them again and sets the
 * limits (soft, the default: in cgroups it made; full: always).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zdtmtst.h"
#include "zdtm-cgroup.h"

static const struct {
	const char *mnt, *ctrls, *file, *value;
} props[] = {
	{"memory", "memory", "memory.limit_in_bytes", "67108864"},
	{"pids", "pids", "pids.max", "77"},
	{"unified", "", "pids.max", "78"},
	{"unified", "", "memory.max", "69206016"},
};
#define NPROPS (sizeof(props) / sizeof(props[0]))

static struct zcg cg[NPROPS];
static int set[NPROPS];

static int read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

int main(int argc, char **argv)
{
	int n = 0;

	test_init(argc, argv);
	for (size_t i = 0; i < NPROPS; i++) {
		char p[4096];

		/* one test cgroup per hierarchy: the second cgroup2 file shares the first's */
		if (i && !strcmp(props[i].mnt, props[i - 1].mnt))
			cg[i] = cg[i - 1];
		else if (zcg_make(&cg[i], props[i].mnt, props[i].ctrls, NULL, NULL))
			continue;
		snprintf(p, sizeof(p), "%s%s/%s", cg[i].mnt, cg[i].rel, props[i].file);
		if (zcg_write(p, props[i].value))
			continue; /* no such controller there (cgroup2 without it) */
		set[i] = 1;
		n++;
		/* entered already for the same hierarchy's previous file */
		if (!(i && set[i - 1] && !strcmp(props[i].mnt, props[i - 1].mnt)) &&
		    zcg_enter(&cg[i], ""))
			fail("entering the %s test cgroup: %m", props[i].mnt);
	}
	if (!n)
		test_skip("no memory or pids controller to set a limit in");
	test_daemon();
	test_waitsig();

	for (size_t i = 0; i < NPROPS; i++) {
		char want[256], have[2048], p[4096], v[256];

		if (!set[i])
			continue;
		if (zcg_self(props[i].ctrls, have, sizeof(have)) || strcmp(have, cg[i].rel)) {
			fail("%s cgroup '%s', want '%s'", props[i].mnt, have, cg[i].rel);
			continue;
		}
		snprintf(want, sizeof(want), "%s", props[i].value);
		snprintf(p, sizeof(p), "%s%s/%s", cg[i].mnt, have, props[i].file);
		if (read_file(p, v, sizeof(v)))
			fail("reading '%s': %m", p);
		else if (strcmp(v, want))
			fail("%s of its %s cgroup is '%s', want '%s'", props[i].file, props[i].mnt,
			     v, want);
	}
	for (size_t i = 0; i < NPROPS; i++)
		if (cg[i].ok && (!i || strcmp(props[i].mnt, props[i - 1].mnt)))
			zcg_remove(&cg[i], NULL, NULL);
	return test_done();
}
