/*
 * A mount namespace of the root (mountpoints-ID.img), planned before any
 * process exists as the dump planned it (base/mntns.c): with --root, a tree
 * of its own on that root file system; without, a copy of this tool's mounts
 * (the image must hold them all) with the tree's own mounts on top. Each
 * external mount needs its host path (--external mnt[KEY]:PATH). The root
 * builds it (restore-mnt-tree.c) in its new mount namespace.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include "img.h"
#include "log.h"
#include "mnt.pb-c.h"
#include "mntns.h"
#include "mount-api.h"
#include "options.h"
#include "proc-mountinfo.h"
#include "restore-mnt.h"
#include "restore-ns.h"

#ifndef MS_RDONLY
#define MS_RDONLY 1
#endif

static void rst_mnt_free(void *st)
{
	struct rst_mnt *mnt = st;

	for (size_t i = 0; mnt && i < mnt->n; i++) {
		struct rst_mnt_item *it = &mnt->items[i];

		free(it->mountpoint);
		free(it->src);
		free(it->fstype);
		free(it->options);
		free(it->subdir);
		if (it->devpts >= 0)
			close(it->devpts);
	}
	if (mnt) {
		free(mnt->items);
		free(mnt->root);
	}
	free(mnt);
}

/* The image's mounts as mountinfo would show them (the options are not compared). */
static int rst_mnt_entries(struct img *img, MntEntry ***es, size_t *n, struct proc_mounts *ms)
{
	MntEntry *e;
	int ret;

	while ((ret = img_read_msg(img, &mnt_entry__descriptor, (ProtobufCMessage **)&e)) == 1) {
		MntEntry **a = realloc(*es, (*n + 1) * sizeof(*a));
		struct proc_mount *m = a ? realloc(ms->m, (*n + 1) * sizeof(*m)) : NULL;
		const char *type = e->fsname ? e->fsname : mntns_fstype_name(e->fstype);

		if (a)
			*es = a;
		if (m)
			ms->m = m;
		if (!a || !m) {
			img_free_msg(&e->base);
			return -ENOMEM;
		}
		a[*n] = e;
		m = &ms->m[*n];
		memset(m, 0, sizeof(*m));
		m->id = (int)e->mnt_id;
		m->parent = (int)e->parent_mnt_id;
		m->maj = e->root_dev >> 20;
		m->min = e->root_dev & 0xfffff;
		m->mountpoint = e->mountpoint;
		m->root = e->root;
		m->source = e->source;
		m->fstype = (char *)(type ? type : "?");
		m->mopts = m->sopts = m->optional = (char *)"";
		ms->n = ++*n;
	}
	return ret;
}

/* The host path --external mnt[@key]:PATH gives, or NULL. */
static const char *rst_mnt_ext_path(const struct opts *o, const char *key)
{
	for (int i = 0; i < o->n_ext_mnt; i++)
		if (strlen(key) == o->ext_mnt[i].key_len &&
		    !strncmp(key, o->ext_mnt[i].key, o->ext_mnt[i].key_len))
			return o->ext_mnt[i].val;
	return NULL;
}

/* @a followed by @b, in memory of its own. */
static char *rst_mnt_cat(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *s = malloc(la + lb + 1);

	if (s) {
		memcpy(s, a, la);
		memcpy(s + la, b, lb + 1);
	}
	return s;
}

/* Item @i of @mnt from entry @e planned as @p (@es: all entries). */
static int rst_mnt_item(struct rst_mnt *mnt, const struct opts *o, MntEntry **es, size_t i,
			const struct mntns_plan *p)
{
	struct rst_mnt_item *it = &mnt->items[i];
	const MntEntry *e = es[i];
	const char *type = e->fsname ? e->fsname : mntns_fstype_name(e->fstype);

	it->how = p->how;
	it->devpts = -1;
	it->dev = e->root_dev;
	it->flags = e->flags;
	it->sb_ro = e->has_sb_flags && (e->sb_flags & MS_RDONLY);
	it->shared = e->has_shared_id ? e->shared_id : 0;
	it->master = e->has_master_id ? e->master_id : 0;
	it->mountpoint = strdup(e->mountpoint);
	if (p->how == MNTNS_EXTERNAL)
		it->src = strdup(rst_mnt_ext_path(o, e->ext_key));
	else if (p->how == MNTNS_BIND) /* the source mount's point + where in it */
		it->src = rst_mnt_cat(
			strcmp(es[p->src]->mountpoint, "/") ? es[p->src]->mountpoint : "",
			e->root + (strcmp(es[p->src]->root, "/") ? strlen(es[p->src]->root) : 0));
	else if (p->how == MNTNS_FRESH)
		it->src = strdup(e->source);
	if (it->src && !it->src[0]) {
		free(it->src);
		it->src = strdup("/");
	}
	if (p->how == MNTNS_FRESH) {
		it->fstype = strdup(type ? type : "?");
		it->options = strdup(e->options);
		it->subdir = strcmp(e->root, "/") ? strdup(e->root) : NULL;
		it->tmpfs = it->fstype && !strcmp(it->fstype, "tmpfs");
		if (!it->fstype || !it->options || (strcmp(e->root, "/") && !it->subdir))
			return -ENOMEM;
	}
	if (!it->mountpoint || (p->how != MNTNS_TOOL && p->how != MNTNS_ROOT && !it->src))
		return -ENOMEM;
	return 0;
}

/* The tool's own mounts among the image's (*@mine), and the external ones. Logs. */
static int rst_mnt_kinds(const struct opts *o, MntEntry **es, const struct proc_mounts *ms,
			 bool *mine, bool *ext, const char *dir)
{
	const char *bad = "?", *why = "?";
	struct proc_mounts tool;
	int ret = 0;

	if (!o->root) {
		ret = proc_read_mountinfo(0, &tool);
		if (ret) {
			pr_err("restore: the tool's mountinfo: %s", strerror(-ret));
			return ret;
		}
		ret = mntns_check_shape(&tool, ms, false, mine, &bad, &why);
		proc_mounts_free(&tool);
		if (ret == -EOPNOTSUPP)
			pr_err("restore: the dumped mount namespace is not a copy of the tool's "
			       "mounts (mount point '%s' %s): give the tree's root file system "
			       "with --root PATH, or restore where the dump's mounts exist ('%s')",
			       bad, why, dir);
		for (size_t i = 0; !ret && i < ms->n; i++)
			mine[i] = !mine[i]; /* the shape check marked the extra ones */
	}
	for (size_t i = 0; !ret && i < ms->n; i++) {
		ext[i] = !mine[i] && es[i]->ext_key;
		if (ext[i] && !rst_mnt_ext_path(o, es[i]->ext_key)) {
			pr_err("restore: mount point '%s' was external, with key '%s': pass "
			       "--external mnt[%s]:PATH, the host path to bind there",
			       es[i]->mountpoint, es[i]->ext_key, es[i]->ext_key);
			ret = -EINVAL;
		}
	}
	return ret;
}

/*
 * A devpts made anew is made by the tool, detached, before any process
 * exists: the ptys of the tree are opened in it (restore-pty.c) and the
 * root attaches it in place. Logs.
 */
static int rst_mnt_devpts_new(struct rst_mnt_item *it)
{
	if (it->how != MNTNS_FRESH || strcmp(it->fstype, "devpts") || it->subdir)
		return 0;
	it->devpts = mount_api_fs_new("devpts", it->src, it->options);
	if (it->devpts >= 0)
		return 0;
	pr_err("restore: a devpts for mount point '%s' (%s): %s", it->mountpoint, it->options,
	       strerror(-it->devpts));
	return it->devpts;
}

static int rst_mnt_build(struct img *img, const struct opts *o, struct rst_mnt *mnt,
			 const char *dir)
{
	struct proc_mounts ms = {0};
	const char *bad = "?", *why = "?";
	struct mntns_plan *plan = NULL;
	MntEntry **es = NULL;
	bool *mine = NULL, *ext = NULL;
	size_t n = 0;
	int ret = rst_mnt_entries(img, &es, &n, &ms);

	if (!ret) {
		mine = calloc(n + 1, sizeof(*mine));
		ext = calloc(n + 1, sizeof(*ext));
		plan = calloc(n + 1, sizeof(*plan));
		mnt->items = calloc(n + 1, sizeof(*mnt->items));
		ret = mine && ext && plan && mnt->items ? 0 : -ENOMEM;
	}
	if (!ret)
		ret = rst_mnt_kinds(o, es, &ms, mine, ext, dir);
	if (!ret) {
		ret = mntns_plan(&ms, mine, ext, plan, &bad, &why);
		if (ret)
			pr_err("restore: mount point '%s' of the dumped mount namespace %s", bad,
			       why);
	}
	for (size_t i = 0; !ret && i < n; i++, mnt->n++)
		ret = rst_mnt_item(mnt, o, es, i, &plan[i]);
	for (size_t i = 0; !ret && i < mnt->n; i++)
		ret = rst_mnt_devpts_new(&mnt->items[i]);
	for (size_t i = 0; i < n; i++)
		img_free_msg(&es[i]->base);
	free(es);
	free(ms.m);
	free(mine);
	free(ext);
	free(plan);
	return ret;
}

static int rst_mnt_read(const struct img_dir *d, const struct opts *o, unsigned long id, void **st)
{
	struct rst_mnt *mnt;
	struct img *img;
	int ret = img_open(d, IMG_MNTS, id, false, &img);

	if (ret)
		return ret; /* -ENOENT: the tool's namespace */
	mnt = calloc(1, sizeof(*mnt));
	ret = mnt ? 0 : -ENOMEM;
	if (mnt) {
		mnt->dirfd = d->fd;
		mnt->root = o->root ? realpath(o->root, NULL) : NULL;
		if (o->root && !mnt->root) {
			ret = -errno;
			pr_err("restore: --root '%s': %s", o->root, strerror(-ret));
		}
	}
	if (!ret)
		ret = rst_mnt_build(img, o, mnt, d->path);
	img_close(img);
	if (ret) {
		rst_mnt_free(mnt);
		return ret;
	}
	*st = mnt;
	return 0;
}

static int rst_mnt_apply(const void *st, const char **what)
{
	return rst_mnt_tree_build(st, what);
}

static int rst_mnt_devpts(const void *st, unsigned int maj, unsigned int min)
{
	const struct rst_mnt *mnt = st;

	for (size_t i = 0; i < mnt->n; i++)
		if (mnt->items[i].devpts >= 0 && mnt->items[i].dev == ((maj << 20) | min))
			return mnt->items[i].devpts;
	return -ENOENT;
}

const struct rst_ns_ops rst_ns_mnt = {rst_mnt_read,   rst_mnt_apply, rst_mnt_free, false,
				      rst_mnt_devpts, NULL,	     NULL};
