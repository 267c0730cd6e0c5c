/* kernel-iface/proc-mountinfo.c and base/mntns.c on mountinfo text. */
#include <stdbool.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "mntns.h"
#include "proc-mountinfo.h"
#include "tap.h"

static const char tool_text[] =
	"22 27 0:21 / /proc rw,relatime - proc proc rw\n"
	"27 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw,discard\n"
	"28 27 0:25 / /mnt/a\\040b ro,nosuid,nodev - tmpfs none ro,size=4k\n"
	"47 27 0:4 net:[4026532239] /run/netns/x rw shared:3 - nsfs nsfs rw\n";

/* the tool's, copied into a namespace (new ids, other order, private) and proc on /proc */
static const char ns_text[] = "90 89 254:0 / / rw,relatime - ext4 /dev/vda rw,discard\n"
			      "91 90 0:21 / /proc rw,relatime - proc proc rw\n"
			      "92 90 0:25 / /mnt/a\\040b ro,nosuid,nodev - tmpfs none ro,size=4k\n"
			      "93 91 0:40 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw\n";

/* a runc container's (shortened), after its pivot_root */
static const char ct_text[] =
	"101 58 254:0 /b/rootfs / rw,relatime - ext4 /dev/vda rw\n"
	"102 101 0:50 / /proc rw,relatime - proc proc rw\n"
	"103 101 0:51 / /dev rw,nosuid - tmpfs tmpfs rw,size=65536k,mode=755\n"
	"104 103 0:52 / /dev/pts rw,nosuid,noexec,relatime - devpts devpts rw,gid=5,mode=620\n"
	"107 101 0:22 / /sys ro,nosuid,nodev,noexec,relatime - sysfs sysfs rw\n"
	"109 107 0:29 /ct1 /sys/fs/cgroup/cpu ro,nosuid - cgroup cgroup rw,cpu\n"
	"62 102 0:50 /sys /proc/sys ro,relatime - proc proc rw\n"
	"64 102 0:51 /null /proc/keys rw,nosuid - tmpfs tmpfs rw,size=65536k,mode=755\n"
	"65 101 254:0 /b/rootfs/etc /mnt rw - ext4 /dev/vda rw\n"
	"66 101 254:0 /srv/data /data rw - ext4 /dev/vda rw\n";

/* mntns_plan on a container's tree: how each mount is made, and a refusal */
static void plan_container(const struct proc_mounts *tool)
{
	struct proc_mounts ct;
	struct mntns_plan plan[10];
	bool mine[10] = {false}, ext[10] = {false}, extra[10];
	const char *bad = NULL, *why = NULL;

	ok(proc_parse_mountinfo(ct_text, &ct) == 0 && ct.n == 10, "parses a container's");
	ok(mntns_check_shape(tool, &ct, false, extra, &bad, &why) == -EOPNOTSUPP &&
		   !strcmp(bad, "/"),
	   "a container's tree is not a copy of the tool's: its root is its own");
	ok(mntns_plan(&ct, mine, ext, plan, &bad, &why) == -EOPNOTSUPP && !strcmp(bad, "/data"),
	   "a bind from outside the tree is refused by mount point: %s", bad ? bad : "");
	ext[9] = true;
	ok(mntns_plan(&ct, mine, ext, plan, &bad, &why) == 0, "with /data external, planned");
	ok(plan[0].how == MNTNS_ROOT && plan[1].how == MNTNS_FRESH && plan[2].how == MNTNS_FRESH &&
		   plan[3].how == MNTNS_FRESH && plan[4].how == MNTNS_FRESH &&
		   plan[5].how == MNTNS_FRESH && plan[9].how == MNTNS_EXTERNAL,
	   "root, proc, tmpfs, devpts, sysfs, a cgroup's directory made anew; /data external");
	ok(plan[6].how == MNTNS_BIND && plan[6].src == 1 && plan[7].how == MNTNS_BIND &&
		   plan[7].src == 2 && plan[8].how == MNTNS_BIND && plan[8].src == 0,
	   "/proc/sys from /proc, /proc/keys (a mask) from /dev's null, /mnt from the root");
	ok(mntns_group("shared:3 master:7", "master") == 7 &&
		   mntns_group("shared:3 master:7", "shared") == 3 && !mntns_group("", "shared"),
	   "propagation groups from the optional fields");
	proc_mounts_free(&ct);
}

int main(void)
{
	struct proc_mounts tool, ns;
	const char *bad = NULL, *why = NULL;
	bool extra[4];

	ok(proc_parse_mountinfo(tool_text, &tool) == 0 && tool.n == 4, "parses 4 mounts");
	ok(tool.m[2].id == 28 && tool.m[2].parent == 27 && tool.m[2].maj == 0 &&
		   tool.m[2].min == 25,
	   "ids and device");
	ok(!strcmp(tool.m[2].mountpoint, "/mnt/a b"), "\\040 undone: '%s'", tool.m[2].mountpoint);
	ok(!strcmp(tool.m[1].optional, "shared:1") && !tool.m[0].optional[0], "optional fields");
	ok(!strcmp(tool.m[2].fstype, "tmpfs") && !strcmp(tool.m[2].source, "none") &&
		   !strcmp(tool.m[2].sopts, "ro,size=4k"),
	   "type, source, super options");
	ok(proc_mount_flags(tool.m[2].mopts) == (MS_RDONLY | MS_NOSUID | MS_NODEV),
	   "mount flags from options");
	ok(proc_parse_mountinfo(ns_text, &ns) == 0 && ns.n == 4, "parses the namespace's");
	ok(mntns_check_shape(&tool, &ns, true, extra, &bad, &why) == 0 && extra[3] && !extra[0] &&
		   !extra[1],
	   "a private copy with proc on /proc: the shape restored (nsfs ignored)");
	ns.m[2].mountpoint[1] = 'x';
	ok(mntns_check_shape(&tool, &ns, true, extra, &bad, &why) == 0 && extra[2] && extra[3] &&
		   !extra[0],
	   "a mount of its own is marked");
	ns.m[2].mountpoint[1] = 'm';
	ns.n = 3;
	ns.m[0].optional = "master:1";
	ok(mntns_check_shape(&tool, &ns, true, extra, &bad, &why) == 0 && !extra[0] && !extra[1] &&
		   !extra[2],
	   "an equal copy without mounts of its own may be a slave (ip netns exec)");
	ns.n = 2;
	ok(mntns_check_shape(&tool, &ns, true, extra, &bad, &why) == 0,
	   "a tool mount the copy lacks is not compared (the host mounts on its own)");
	plan_container(&tool);
	proc_mounts_free(&tool);
	proc_mounts_free(&ns);
	return tap_done();
}
