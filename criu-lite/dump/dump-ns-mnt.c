/*
 * A mount namespace the root owns (base/mntns.c plans it): a private copy of
 * the tool's mounts with mounts of its own on top, or a tree of its own
 * (a container's, after pivot_root) whose root file system the restore is
 * given (--root). Every mount goes into mountpoints-ID.img (CRIU's
 * mnt_entry), external ones (--external mnt[MP]:KEY) with their key, and
 * each tmpfs made anew with its files (dump-mnt-tmpfs.c). A mount that
 * cannot be made again is refused naming its mount point.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dump-ns.h"
#include "dump.h"
#include "log.h"
#include "mnt.pb-c.h"
#include "mntns.h"
#include "options.h"
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

/* The key --external mnt[@mp]:KEY gives mount point @mp, or NULL. */
static const char *dump_mnt_ext_key(const struct opts *o, const char *mp)
{
	for (int i = 0; i < o->n_ext_mnt; i++)
		if (strlen(mp) == o->ext_mnt[i].key_len &&
		    !strncmp(mp, o->ext_mnt[i].key, o->ext_mnt[i].key_len))
			return o->ext_mnt[i].val;
	return NULL;
}

static int dump_mnt_entry(struct img *img, const struct proc_mount *m, const char *ext_key)
{
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
	e.shared_id = mntns_group(m->optional, "shared");
	e.has_shared_id = e.shared_id != 0;
	e.master_id = mntns_group(m->optional, "master");
	e.has_master_id = e.master_id != 0;
	e.ext_key = (char *)ext_key;
	return img_write_msg(img, &e.base);
}

static int dump_mnt_write(struct dump_ctx *ctx, pid_t pid, uint32_t id,
			  const struct proc_mounts *ms, const struct mntns_plan *plan)
{
	struct img *img;
	int ret = img_open(&ctx->dir, IMG_MNTS, id, true, &img);

	for (size_t i = 0; i < ms->n && !ret; i++) {
		const struct proc_mount *m = &ms->m[i];

		ret = dump_mnt_entry(img, m,
				     plan[i].how == MNTNS_EXTERNAL
					     ? dump_mnt_ext_key(ctx->o, m->mountpoint)
					     : NULL);
		if (!ret && plan[i].how == MNTNS_FRESH && !strcmp(m->fstype, "tmpfs"))
			ret = dump_mnt_tmpfs(ctx, pid, m->mountpoint, (m->maj << 20) | m->min);
	}
	return img_close(img) ?: ret;
}

/*
 * A copy's mount matched to the tool's by mount point, root, type and
 * source (as the restore matches them) must have its options too: the
 * restore leaves the tool's as they are. Logs a refusal.
 */
static int dump_mnt_same_opts(pid_t pid, const struct proc_mounts *tool,
			      const struct proc_mounts *ns, const bool *extra)
{
	bool *extra_o = calloc(ns->n + 1, sizeof(*extra_o));
	const char *bad = "?", *why = "?";
	int ret = extra_o ? 0 : -ENOMEM;

	if (!ret)
		mntns_check_shape(tool, ns, true, extra_o, &bad, &why);
	for (size_t i = 0; !ret && i < ns->n; i++) {
		if (extra[i] || !extra_o[i])
			continue;
		pr_err("dump: pid %d is in its own mount namespace, whose mount point '%s' is the "
		       "tool's with other options ('%s' '%s'; remounted in the namespace): not "
		       "restored (docs/containers.md)",
		       pid, ns->m[i].mountpoint, ns->m[i].mopts, ns->m[i].sopts);
		ret = -EOPNOTSUPP;
	}
	free(extra_o);
	return ret;
}

/*
 * Plans @ns: a copy of @tool's mounts plus its own (*@own: any of those),
 * else a tree of its own. Logs a refusal.
 */
static int dump_mnt_plan(struct dump_ctx *ctx, pid_t pid, const struct proc_mounts *tool,
			 const struct proc_mounts *ns, struct mntns_plan *plan, bool *own)
{
	bool *extra = calloc(ns->n + 1, sizeof(*extra));
	bool *mine = calloc(ns->n + 1, sizeof(*mine)), *ext = calloc(ns->n + 1, sizeof(*ext));
	const char *bad = "?", *why = "?";
	bool copy;
	int ret = extra && mine && ext ? 0 : -ENOMEM;

	copy = !ret && !mntns_check_shape(tool, ns, false, extra, &bad, &why);
	if (copy)
		ret = dump_mnt_same_opts(pid, tool, ns, extra);
	*own = !copy;
	for (size_t i = 0; !ret && i < ns->n; i++) {
		mine[i] = copy && !extra[i];
		ext[i] = !mine[i] && dump_mnt_ext_key(ctx->o, ns->m[i].mountpoint);
		*own |= !mine[i];
	}
	if (!ret && *own)
		ret = mntns_plan(ns, mine, ext, plan, &bad, &why);
	else
		bad = NULL; /* refused above, or nothing of its own */
	for (size_t i = 0; ret == -EOPNOTSUPP && bad && i < ns->n; i++) {
		const struct proc_mount *m = &ns->m[i];

		if (m->mountpoint != bad)
			continue;
		pr_err("dump: pid %d is in its own mount namespace, whose mount point '%s' "
		       "(%s '%s', root '%s') %s: if the host provides it, pass --external "
		       "mnt[%s]:KEY at dump and --external mnt[KEY]:PATH at restore "
		       "(docs/containers.md)",
		       pid, bad, m->fstype, m->source, m->root, why, bad);
		break;
	}
	free(extra);
	free(mine);
	free(ext);
	return ret;
}

static int dump_mnt(struct dump_ctx *ctx, pid_t pid, uint32_t id)
{
	struct proc_mounts tool, ns;
	struct mntns_plan *plan = NULL;
	bool own = false;
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
	plan = calloc(ns.n + 1, sizeof(*plan));
	ret = plan ? mntns_sort(&ns) : -ENOMEM;
	if (!ret)
		ret = dump_mnt_plan(ctx, pid, &tool, &ns, plan, &own);
	/*
	 * Without mounts of its own it is an equal copy of the tool's (`ip netns
	 * exec` makes one per command, the tool's too): restored in the tool's.
	 */
	if (!ret && own)
		ret = dump_mnt_write(ctx, pid, id, &ns, plan);
	free(plan);
	proc_mounts_free(&tool);
	proc_mounts_free(&ns);
	return ret;
}

const struct dump_ns_ops dump_ns_mnt = {dump_mnt};
