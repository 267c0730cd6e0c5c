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
	ok(mntns_check_shape(&tool, &ns, true, extra, &bad, &why) == -EOPNOTSUPP &&
		   !strcmp(bad, "/xnt/a b"),
	   "a mount of its own is named: %s", bad ? bad : "");
	ns.m[2].mountpoint[1] = 'm';
	ns.n = 3;
	ns.m[0].optional = "master:1";
	ok(mntns_check_shape(&tool, &ns, true, extra, &bad, &why) == 0 && !extra[0] && !extra[1] &&
		   !extra[2],
	   "an equal copy without mounts of its own may be a slave (ip netns exec)");
	ns.n = 4;
	ns.m[0].optional = "shared:7";
	ok(mntns_check_shape(&tool, &ns, true, extra, &bad, &why) == -EOPNOTSUPP &&
		   !strcmp(bad, "/"),
	   "shared propagation with a mount of its own is refused");
	proc_mounts_free(&tool);
	proc_mounts_free(&ns);
	return tap_done();
}
