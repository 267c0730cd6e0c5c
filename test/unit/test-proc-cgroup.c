/* kernel-iface/proc-cgroup.c on /proc/PID/cgroup and mountinfo text of a v1/v2 hybrid. */
#include <errno.h>
#include <string.h>

#include "proc-cgroup.h"
#include "proc-mountinfo.h"
#include "tap.h"

static const char cg_text[] = "9:name=systemd:/user.slice/a b\n"
			      "4:memory:/ct1\n"
			      "2:cpu,cpuacct:/ct1/sub\n"
			      "0::/\n";

static const char mi_text[] =
	"31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
	"32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct\n"
	"33 31 0:30 /ct1 /mnt/memct1 rw,relatime - cgroup cgroup rw,memory\n"
	"35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
	"40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd\n"
	"41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";

int main(void)
{
	struct proc_cgroups cs;
	struct proc_mounts ms;
	const struct proc_cgroup *c;
	char out[256];

	ok(proc_parse_cgroup(cg_text, &cs) == 0 && cs.n == 4, "parses 4 hierarchies");
	ok(cs.c[0].hier == 9 && !strcmp(cs.c[0].ctrls, "name=systemd") &&
		   !strcmp(cs.c[0].path, "/user.slice/a b"),
	   "a named hierarchy, a path with a space");
	c = proc_cgroup_find(&cs, "cpu,cpuacct");
	ok(c && c->hier == 2 && !strcmp(c->path, "/ct1/sub"), "co-mounted controllers by name");
	c = proc_cgroup_find(&cs, "");
	ok(c && c->hier == 0 && !strcmp(c->path, "/"), "cgroup2: '0::/'");
	ok(!proc_cgroup_find(&cs, "cpu"), "a controller alone is not a co-mounted hierarchy");
	proc_cgroups_free(&cs);
	ok(proc_parse_cgroup("4:memory\n", &cs) == -EINVAL, "a line without a path is refused");
	ok(proc_parse_cgroup("x:memory:/\n", &cs) == -EINVAL, "a bad hierarchy id is refused");

	ok(proc_parse_mountinfo(mi_text, &ms) == 0, "mountinfo parsed");
	ok(cgroup_mount_of(&ms, "memory", out, sizeof(out)) == 0 &&
		   !strcmp(out, "/sys/fs/cgroup/memory"),
	   "memory: the mount of its root, not a bind mount of /ct1: '%s'", out);
	ok(cgroup_mount_of(&ms, "cpu,cpuacct", out, sizeof(out)) == 0 &&
		   !strcmp(out, "/sys/fs/cgroup/cpu,cpuacct"),
	   "co-mounted: '%s'", out);
	ok(cgroup_mount_of(&ms, "name=systemd", out, sizeof(out)) == 0 &&
		   !strcmp(out, "/sys/fs/cgroup/systemd"),
	   "named, among other options: '%s'", out);
	ok(cgroup_mount_of(&ms, "", out, sizeof(out)) == 0 &&
		   !strcmp(out, "/sys/fs/cgroup/unified"),
	   "cgroup2: '%s'", out);
	ok(cgroup_mount_of(&ms, "pids", out, sizeof(out)) == -ENOENT, "an unmounted hierarchy");
	ok(cgroup_mount_of(&ms, "", out, 4) == -ENAMETOOLONG, "a short buffer");
	proc_mounts_free(&ms);
	return tap_done();
}
