/*
 * A mount namespace the root owns. Restored yet in one shape only: a private
 * copy of the tool's mount tree with proc mounted on /proc (base/mntns.c),
 * what a container's init or `unshare -m -p --mount-proc` makes; anything
 * else is refused naming the mount point. Every mount goes into
 * mountpoints-ID.img (CRIU's image), for the restore to check it against
 * its own tree and for the full mount-tree restore to come.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dump-ns.h"
#include "dump.h"
#include "log.h"
#include "mnt.pb-c.h"
#include "mntns.h"
#include "proc-mountinfo.h"

#ifndef MS_RDONLY
#define MS_RDONLY 1
#endif

/* The super block's options without ro/rw (kept as sb_flags), in @buf. */
static const char *dump_mnt_sopts(const char *sopts, char *buf, size_t len, uint32_t *sb_flags)
{
	const char *p = sopts;
	size_t at = 0;

	*sb_flags = 0;
	buf[0] = 0;
	while (*p) {
		size_t n = strcspn(p, ",");

		if (n == 2 && !strncmp(p, "ro", 2))
			*sb_flags |= MS_RDONLY;
		else if (!(n == 2 && !strncmp(p, "rw", 2)) && at + n + 2 < len) {
			if (at)
				buf[at++] = ',';
			memcpy(buf + at, p, n);
			at += n;
			buf[at] = 0;
		}
		p += n + (p[n] == ',');
	}
	return buf;
}

static int dump_mnt_write(struct dump_ctx *ctx, uint32_t id, const struct proc_mounts *ms)
{
	struct img *img;
	int ret = img_open(&ctx->dir, IMG_MNTS, id, true, &img);

	for (size_t i = 0; i < ms->n && !ret; i++) {
		const struct proc_mount *m = &ms->m[i];
		MntEntry e = MNT_ENTRY__INIT;
		char opts[4096];

		e.fstype = mntns_fstype(m->fstype);
		if (e.fstype == FSTYPE__UNSUPPORTED)
			e.fsname = m->fstype;
		e.mnt_id = (uint32_t)m->id;
		e.parent_mnt_id = (uint32_t)m->parent;
		e.root_dev = (m->maj << 20) | m->min;
		e.flags = (uint32_t)proc_mount_flags(m->mopts);
		e.root = m->root;
		e.mountpoint = m->mountpoint;
		e.source = m->source;
		e.options = (char *)dump_mnt_sopts(m->sopts, opts, sizeof(opts), &e.sb_flags);
		e.has_sb_flags = true;
		ret = img_write_msg(img, &e.base);
	}
	return img_close(img) ?: ret;
}

static int dump_mnt(struct dump_ctx *ctx, pid_t pid, uint32_t id)
{
	struct proc_mounts tool, ns;
	const char *bad = "?", *why = "?";
	bool *extra, mine = false;
	int ret = proc_read_mountinfo(0, &tool);

	if (ret) {
		pr_err("dump: the tool's mountinfo: %s", strerror(-ret));
		return ret;
	}
	ret = proc_read_mountinfo(pid, &ns);
	if (ret) {
		pr_err("dump: mountinfo of pid %d: %s", pid, strerror(-ret));
		proc_mounts_free(&tool);
		return ret;
	}
	extra = calloc(ns.n + 1, sizeof(*extra));
	ret = extra ? mntns_check_shape(&tool, &ns, true, extra, &bad, &why) : -ENOMEM;
	for (size_t i = 0; !ret && i < ns.n; i++)
		mine |= extra[i];
	free(extra);
	if (ret == -EOPNOTSUPP)
		pr_err("dump: pid %d is in its own mount namespace, whose mount point '%s' %s: "
		       "only a private copy of the tool's mounts with proc on /proc is restored "
		       "yet (docs/containers.md)",
		       pid, bad, why);
	else if (!ret && mine)
		ret = dump_mnt_write(ctx, id, &ns);
	/*
	 * Without mounts of its own it is an equal copy of the tool's (`ip netns
	 * exec` makes one per command, the tool's too): restored in the tool's.
	 */
	proc_mounts_free(&tool);
	proc_mounts_free(&ns);
	return ret;
}

const struct dump_ns_ops dump_ns_mnt = {dump_mnt};
