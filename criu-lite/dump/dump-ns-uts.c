/*
 * A uts namespace the root owns: its host and domain names, read from inside
 * it (setns), into utsns-ID.img (CRIU's image).
 */
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/utsname.h>

#include "dump-ns.h"
#include "dump.h"
#include "log.h"
#include "nsfs.h"
#include "utsns.pb-c.h"

static int dump_uts(struct dump_ctx *ctx, pid_t pid, uint32_t id)
{
	UtsnsEntry e = UTSNS_ENTRY__INIT;
	struct utsname u;
	int back, ret = ns_enter(pid, "uts", CLONE_NEWUTS, &back);

	if (ret) {
		pr_err("dump: entering the uts namespace of pid %d: %s", pid, strerror(-ret));
		return ret;
	}
	ret = uname(&u) ? -errno : 0;
	if (ns_leave(back, CLONE_NEWUTS)) {
		pr_err("dump: leaving the uts namespace of pid %d: %s", pid, strerror(errno));
		return -EIO;
	}
	if (ret) {
		pr_err("dump: uname in the uts namespace of pid %d: %s", pid, strerror(-ret));
		return ret;
	}
	e.nodename = u.nodename;
	e.domainname = u.domainname;
	return img_write_one(&ctx->dir, IMG_UTSNS, id, &e.base);
}

const struct dump_ns_ops dump_ns_uts = {dump_uts};
