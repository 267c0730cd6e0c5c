/*
 * A cgroup namespace of the root: a dump made one when the root's set in
 * cgroup.img carries cgns_prefix. The root enters the namespace's root
 * cgroups before it unshares and its own after (restore-cgroup.c,
 * restore-tree.c); nothing to rebuild in it.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "cgroup.pb-c.h"
#include "img.h"
#include "restore-ns.h"

static int rst_cgroup_ns_read(const struct img_dir *d, const struct opts *o, unsigned long id,
			      void **st)
{
	ProtobufCMessage *m = NULL;
	const CgroupEntry *e;
	bool own = false;
	int ret;

	(void)o;
	(void)id;
	*st = NULL;
	if (faccessat(d->fd, "cgroup.img", F_OK, AT_SYMLINK_NOFOLLOW))
		return -ENOENT;
	ret = img_read_one(d, IMG_CGROUP, 0, &cgroup_entry__descriptor, &m);
	if (ret)
		return ret;
	e = (const CgroupEntry *)m;
	for (size_t i = 0; i < e->n_sets; i++)
		for (size_t k = 0; k < e->sets[i]->n_ctls; k++)
			own |= e->sets[i]->ctls[k]->has_cgns_prefix;
	img_free_msg(m);
	return own ? 0 : -ENOENT; /* 0 with no state: unshared, nothing to apply */
}

static int rst_cgroup_ns_apply(const void *st, const char **what)
{
	(void)st;
	(void)what;
	return 0;
}

static void rst_cgroup_ns_free(void *st)
{
	(void)st;
}

const struct rst_ns_ops rst_ns_cgroup = {
	rst_cgroup_ns_read, rst_cgroup_ns_apply, rst_cgroup_ns_free, false, NULL, NULL, NULL};
