/*
 * A mount namespace of the root (mountpoints-ID.img). The dump made sure it
 * was a private copy of its tool's mounts with proc on /proc; here the image
 * is checked against this tool's mounts (same mount points, types, sources
 * and roots, in order) before anything exists, and the root, in its new
 * mount namespace, makes every mount private and mounts proc on /proc again
 * (in its new pid namespace, if it has one: it shows that one).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "img.h"
#include "log.h"
#include "mnt.pb-c.h"
#include "mntns.h"
#include "proc-mountinfo.h"
#include "restore-ns.h"

struct rst_mnt_proc {
	unsigned long flags;
	char *options;
};

struct rst_mnt {
	struct rst_mnt_proc *procs; /* proc mounts on /proc to make, in order */
	size_t nr_procs;
};

static void rst_mnt_free(void *st)
{
	struct rst_mnt *mnt = st;

	for (size_t i = 0; mnt && i < mnt->nr_procs; i++)
		free(mnt->procs[i].options);
	if (mnt)
		free(mnt->procs);
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
		m->mountpoint = e->mountpoint;
		m->root = e->root;
		m->source = e->source;
		m->fstype = (char *)(type ? type : "?");
		m->mopts = m->sopts = m->optional = (char *)"";
		ms->n = ++*n;
	}
	return ret;
}

/* The proc mounts the image adds to the tool's, with their flags and options. */
static int rst_mnt_procs(struct rst_mnt *mnt, MntEntry **es, const bool *extra, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct rst_mnt_proc *p;

		if (!extra[i])
			continue;
		p = realloc(mnt->procs, (mnt->nr_procs + 1) * sizeof(*p));
		if (!p)
			return -ENOMEM;
		mnt->procs = p;
		p = &mnt->procs[mnt->nr_procs++];
		p->flags = es[i]->flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
		p->options = es[i]->options[0] ? strdup(es[i]->options) : NULL;
		if (es[i]->options[0] && !p->options)
			return -ENOMEM;
	}
	return 0;
}

static int rst_mnt_build(struct img *img, struct rst_mnt *mnt, const char *dir)
{
	struct proc_mounts tool, ns = {0};
	const char *bad = "?", *why = "?";
	MntEntry **es = NULL;
	bool *extra = NULL;
	size_t n = 0;
	int ret = proc_read_mountinfo(0, &tool);

	if (ret) {
		pr_err("restore: the tool's mountinfo: %s", strerror(-ret));
		return ret;
	}
	ret = rst_mnt_entries(img, &es, &n, &ns);
	extra = ret ? NULL : calloc(n + 1, sizeof(*extra));
	if (!ret && !extra)
		ret = -ENOMEM;
	if (!ret)
		ret = mntns_check_shape(&tool, &ns, false, extra, &bad, &why);
	if (ret == -EOPNOTSUPP)
		pr_err("restore: the dumped mount namespace against the tool's: mount point '%s' "
		       "%s: restore where the dump's mounts exist ('%s')",
		       bad, why, dir);
	if (!ret)
		ret = rst_mnt_procs(mnt, es, extra, n);
	for (size_t i = 0; i < n; i++)
		img_free_msg(&es[i]->base);
	free(es);
	free(ns.m);
	free(extra);
	proc_mounts_free(&tool);
	return ret;
}

static int rst_mnt_read(const struct img_dir *d, unsigned long id, void **st)
{
	struct rst_mnt *mnt;
	struct img *img;
	int ret = img_open(d, IMG_MNTS, id, false, &img);

	if (ret)
		return ret; /* -ENOENT: the tool's namespace */
	mnt = calloc(1, sizeof(*mnt));
	ret = mnt ? rst_mnt_build(img, mnt, d->path) : -ENOMEM;
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
	const struct rst_mnt *mnt = st;

	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL)) {
		*what = "making every mount private";
		return -errno;
	}
	for (size_t i = 0; i < mnt->nr_procs; i++) {
		if (mount("proc", "/proc", "proc", mnt->procs[i].flags, mnt->procs[i].options)) {
			*what = "mounting proc on /proc";
			return -errno;
		}
	}
	return 0;
}

const struct rst_ns_ops rst_ns_mnt = {rst_mnt_read, rst_mnt_apply, rst_mnt_free, false};
