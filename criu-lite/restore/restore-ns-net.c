/*
 * A network namespace of the root (netdev-, netns-, ifaddr-, route- and
 * route6-ID.img), made by the tool itself: its thread unshares a new one,
 * rebuilds it (default and all sysctls, then links with their sysctls, up
 * and MTU, then addresses and routes) and stays in it while the files are
 * opened (sockets are made there) and the tree is forked (the root inherits
 * it), then goes back (restore-ns.c). --empty-ns net: only lo, up.
 */
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "img.h"
#include "log.h"
#include "net-sysctl.h"
#include "netdev.pb-c.h"
#include "netlink-route.h"
#include "options.h"
#include "restore-ns.h"

struct rst_net {
	NetnsEntry *ns; /* NULL: --empty-ns */
	NetDeviceEntry **devs;
	size_t nr_devs;
	struct rst_net_raw {
		uint8_t *p;
		size_t len;
	} raw[3]; /* ifaddr, route, route6 */
	unsigned long id;
};

static const enum img_kind rst_net_raw_kinds[3] = {IMG_IFADDR, IMG_ROUTE, IMG_ROUTE6};

static void rst_net_free(void *st)
{
	struct rst_net *n = st;

	if (!n)
		return;
	if (n->ns)
		img_free_msg(&n->ns->base);
	for (size_t i = 0; i < n->nr_devs; i++)
		img_free_msg(&n->devs[i]->base);
	free(n->devs);
	for (size_t i = 0; i < 3; i++)
		free(n->raw[i].p);
	free(n);
}

static int rst_net_read_devs(const struct img_dir *d, unsigned long id, struct rst_net *n)
{
	struct img *img;
	int ret = img_open(d, IMG_NETDEV, id, false, &img);

	if (ret == -ENOENT)
		return 0; /* no link at all */
	while (!ret) {
		ProtobufCMessage *m = NULL;
		NetDeviceEntry **v;

		ret = img_read_msg(img, &net_device_entry__descriptor, &m);
		if (ret <= 0)
			break;
		v = realloc(n->devs, (n->nr_devs + 1) * sizeof(*v));
		if (!v) {
			img_free_msg(m);
			ret = -ENOMEM;
			break;
		}
		n->devs = v;
		n->devs[n->nr_devs++] = (NetDeviceEntry *)m;
		ret = 0;
	}
	img_close(img);
	return ret;
}

static int rst_net_read_raw(const struct img_dir *d, unsigned long id, struct rst_net_raw *r,
			    enum img_kind k)
{
	uint64_t size;
	int fd = img_open_raw(d, k, id, &size), ret = 0;

	if (fd < 0)
		return fd;
	r->p = malloc(size ? size : 1);
	if (!r->p)
		ret = -ENOMEM;
	else if (pread(fd, r->p, size, 0) != (ssize_t)size)
		ret = -EIO;
	r->len = size;
	close(fd);
	return ret;
}

static int rst_net_read(const struct img_dir *d, const struct opts *o, unsigned long id, void **st)
{
	struct rst_net *n;
	ProtobufCMessage *m = NULL;
	struct img *img;
	int ret = img_open(d, IMG_NETNS, id, false, &img);

	if (ret)
		return ret; /* -ENOENT: the tool's namespace (or --empty-ns) */
	ret = img_read_msg(img, &netns_entry__descriptor, &m);
	img_close(img);
	if (ret == 0) {
		pr_err("image 'netns-%lu.img' in '%s': no entry", id, d->path);
		return -EIO;
	}
	if (ret < 0)
		return ret;
	n = calloc(1, sizeof(*n));
	if (!n) {
		img_free_msg(m);
		return -ENOMEM;
	}
	n->ns = (NetnsEntry *)m;
	n->id = id;
	ret = rst_net_read_devs(d, id, n);
	for (size_t i = 0; i < 3 && !ret; i++)
		ret = rst_net_read_raw(d, id, &n->raw[i], rst_net_raw_kinds[i]);
	if (ret) {
		if (ret != -ENOENT)
			pr_err("restore: the images of network namespace %lu in '%s': %s", id,
			       d->path, strerror(-ret));
		rst_net_free(n);
		return ret == -ENOENT ? -EIO : ret;
	}
	*st = n;
	return 0;
}

static int rst_net_empty(void **st)
{
	*st = calloc(1, sizeof(struct rst_net));
	return *st ? 0 : -ENOMEM;
}

/* One device sysctl, written when it differs from the new namespace's. */
static int rst_net_conf_one(const char *proto, const char *dev, const char *name,
			    const SysctlEntry *e)
{
	int cur, ret;

	if (e->type != SYSCTL_TYPE__CTL_32 || !e->has_iarg ||
	    net_conf_read(proto, dev, name, &cur) || cur == e->iarg)
		return 0;
	ret = net_conf_write(proto, dev, name, e->iarg);
	if (ret)
		pr_err("restore: net.%s.conf.%s.%s = %d in the new network namespace: %s", proto,
		       dev, name, e->iarg, strerror(-ret));
	return ret;
}

/*
 * The conf4 (@v6 false) or conf6 values of @dev, accept_redirects last (it
 * depends on forwarding, as CRIU writes it). Strings (stable_secret) are
 * not kept.
 */
static int rst_net_conf(const char *dev, bool v6, SysctlEntry **e, size_t n)
{
	const char *const *names = v6 ? net_conf6_names : net_conf4_names;
	const char *proto = v6 ? "ipv6" : "ipv4";
	size_t nr = v6 ? NET_CONF6_NR : NET_CONF4_NR;
	int ret = 0;

	if (n < nr)
		nr = n;
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < nr && !ret; i++)
			if ((strcmp(names[i], "accept_redirects") == 0) == (pass == 1))
				ret = rst_net_conf_one(proto, dev, names[i], e[i]);
	return ret;
}

/* A veth with both ends inside is made once, from the end of the lower ifindex. */
static const NetDeviceEntry *rst_net_peer(const struct rst_net *n, const NetDeviceEntry *e)
{
	for (size_t i = 0; i < n->nr_devs; i++)
		if (n->devs[i]->ifindex == e->peer_ifindex)
			return n->devs[i];
	return NULL;
}

/* --veth-pair for veth @name, or NULL. */
static const struct opts_veth *rst_net_veth_opt(const struct opts *o, const char *name)
{
	for (int i = 0; i < o->n_veth; i++)
		if (!strcmp(o->veth[i].in, name))
			return &o->veth[i];
	return NULL;
}

/*
 * A veth whose peer was outside: made with the peer in the tool's namespace
 * under the name --veth-pair gives, up (and in its bridge). The old pair
 * goes away with the dumped tree's namespace, which the kernel frees a
 * moment after its last process: a name still taken is tried again.
 */
static int rst_net_veth_out(const struct rst_net *n, const NetDeviceEntry *e,
			    const struct rst_ns_env *env)
{
	const struct opts_veth *v = rst_net_veth_opt(env->o, e->name);
	int ret = -EEXIST;

	if (!v) {
		pr_err("restore: veth '%s' of network namespace %lu had its peer outside: give "
		       "--veth-pair %s=OUTSIDE_NAME[@BRIDGE]",
		       e->name, n->id, e->name);
		return -EINVAL;
	}
	for (int i = 0; i < 60 && ret == -EEXIST; i++) {
		ret = nlroute_veth_add(e->name, (int)e->ifindex, v->out, 0, env->outside);
		if (ret == -EEXIST)
			usleep(50000);
	}
	if (!ret)
		ret = nlroute_link_up_in(env->outside, v->out, v->bridge[0] ? v->bridge : NULL);
	if (ret)
		pr_err("restore: veth '%s' with its peer '%s'%s%s in the tool's network namespace: "
		       "%s",
		       e->name, v->out, v->bridge[0] ? " in bridge " : "", v->bridge,
		       strerror(-ret));
	return ret;
}

static int rst_net_link(const struct rst_net *n, const NetDeviceEntry *e,
			const struct rst_ns_env *env)
{
	const NetDeviceEntry *p;
	int ret = 0;

	if (e->type == ND_TYPE__VETH && !e->has_peer_ifindex)
		return rst_net_veth_out(n, e, env);
	if (e->type == ND_TYPE__VETH) {
		p = rst_net_peer(n, e);
		if (!p) {
			pr_err("restore: veth '%s' of network namespace %lu: its peer (ifindex %u) "
			       "is "
			       "not in the images",
			       e->name, n->id, e->peer_ifindex);
			return -EINVAL;
		}
		if (e->ifindex < p->ifindex)
			ret = nlroute_veth_add(e->name, (int)e->ifindex, p->name, (int)p->ifindex,
					       -1);
	} else if (e->type != ND_TYPE__LOOPBACK) {
		pr_err("restore: link '%s' of network namespace %lu is of type %d: only loopback "
		       "and veth are restored",
		       e->name, n->id, e->type);
		return -EOPNOTSUPP;
	}
	if (ret)
		pr_err("restore: making veth pair '%s' in the new network namespace: %s", e->name,
		       strerror(-ret));
	return ret;
}

static int rst_net_links(const struct rst_net *n, const struct rst_ns_env *env)
{
	int ret = 0;

	for (size_t i = 0; i < n->nr_devs && !ret; i++)
		ret = rst_net_link(n, n->devs[i], env);
	for (size_t i = 0; i < n->nr_devs && !ret; i++) {
		const NetDeviceEntry *e = n->devs[i];

		ret = rst_net_conf(e->name, false, e->conf4, e->n_conf4);
		/* conf6 after the MTU: its mtu cannot exceed the link's */
		if (!ret)
			ret = nlroute_link_set((int)e->ifindex, e->mtu, e->flags & IFF_UP);
		if (!ret)
			ret = rst_net_conf(e->name, true, e->conf6, e->n_conf6);
		if (ret && ret != -EINVAL)
			pr_err("restore: link '%s' (mtu %u, %s) in the new network namespace: %s",
			       e->name, e->mtu, e->flags & IFF_UP ? "up" : "down", strerror(-ret));
	}
	return ret;
}

/* The namespace-wide sysctls beyond conf4 that differ from the new namespace's. */
static int rst_net_misc(const NetnsEntry *e)
{
	for (size_t i = 0; i < e->n_crl_sysctls; i++) {
		const CrlNetSysctl *s = e->crl_sysctls[i];
		char cur[128];
		int ret;

		if (strstr(s->name, "..") || net_misc_read(s->name, cur, sizeof(cur)) ||
		    !strcmp(cur, s->value))
			continue;
		ret = net_misc_write(s->name, s->value);
		if (ret) {
			pr_err("restore: net.%s = '%s' in the new network namespace: %s", s->name,
			       s->value, strerror(-ret));
			return ret;
		}
	}
	return 0;
}

static int rst_net_make(const void *st, const struct rst_ns_env *env)
{
	const struct rst_net *n = st;
	int ret = 0;

	if (!n->ns) /* --empty-ns net: lo, up */
		return nlroute_link_set(1, 0, true);
	ret = rst_net_misc(n->ns);
	if (!ret)
		ret = rst_net_conf("default", false, n->ns->def_conf4, n->ns->n_def_conf4);
	if (!ret)
		ret = rst_net_conf("all", false, n->ns->all_conf4, n->ns->n_all_conf4);
	if (!ret)
		ret = rst_net_conf("default", true, n->ns->def_conf6, n->ns->n_def_conf6);
	if (!ret)
		ret = rst_net_conf("all", true, n->ns->all_conf6, n->ns->n_all_conf6);
	if (!ret)
		ret = rst_net_links(n, env);
	for (size_t i = 0; i < 3 && !ret; i++) {
		size_t at = 0;

		ret = nlroute_restore(n->raw[i].p, n->raw[i].len, &at);
		if (ret)
			pr_err("restore: the %s of network namespace %lu (image '%s', message at "
			       "offset %zu): %s",
			       i ? "routes" : "addresses", n->id,
			       i == 0 ? "ifaddr" : (i == 1 ? "route" : "route6"), at,
			       strerror(-ret));
	}
	return ret;
}

const struct rst_ns_ops rst_ns_net = {
	.read = rst_net_read,
	.free = rst_net_free,
	.make = rst_net_make,
	.empty = rst_net_empty,
};
