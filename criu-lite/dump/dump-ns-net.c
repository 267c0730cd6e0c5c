/*
 * A network namespace the root owns, read from inside it (setns): its links
 * (netdev-ID.img, CRIU's net_device_entry: loopback, veth pairs with both
 * ends inside or with the peer outside, recorded without peer_ifindex; other
 * kinds are refused by name), the IPv4 and IPv6 device sysctls of all,
 * default and each link (conf4, conf6, in CRIU's order; netns-ID.img), and its addresses and
 * main-table routes as raw netlink dumps (ifaddr-ID.img, route-ID.img, route6-ID.img: iproute2's
 * save streams, as CRIU writes them).
 */
#include <errno.h>
#include <net/if_arp.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dump-ns.h"
#include "dump.h"
#include "log.h"
#include "net-sysctl.h"
#include "netdev.pb-c.h"
#include "netlink-route.h"
#include "nsfs.h"

/* The device sysctls of one family, in CRIU's order. */
struct dump_net_conf {
	SysctlEntry e[NET_CONF6_NR], *pe[NET_CONF6_NR];
	size_t n;
};

/*
 * The conf4 (@v6 false) or conf6 sysctls of @dev; a value this kernel lacks
 * is written without iarg, stable_secret as a string without sarg (it reads
 * EIO until set; not kept).
 */
static int dump_net_conf(const char *dev, bool v6, struct dump_net_conf *c)
{
	const char *const *names = v6 ? net_conf6_names : net_conf4_names;
	const char *proto = v6 ? "ipv6" : "ipv4";

	c->n = v6 ? NET_CONF6_NR : NET_CONF4_NR;
	for (size_t i = 0; i < c->n; i++) {
		int v = 0, ret;

		sysctl_entry__init(&c->e[i]);
		c->pe[i] = &c->e[i];
		if (!strcmp(names[i], "stable_secret")) {
			c->e[i].type = SYSCTL_TYPE__CTL_STR;
			continue;
		}
		c->e[i].type = SYSCTL_TYPE__CTL_32;
		ret = net_conf_read(proto, dev, names[i], &v);
		if (ret && ret != -ENOENT) {
			pr_err("dump: reading net.%s.conf.%s.%s: %s", proto, dev, names[i],
			       strerror(-ret));
			return ret;
		}
		c->e[i].has_iarg = !ret;
		c->e[i].iarg = v;
	}
	return 0;
}

/* The link's kind, or -EOPNOTSUPP naming it. */
static int dump_net_type(pid_t pid, const struct nlroute_link *l, NetDeviceEntry *e)
{
	if (l->arptype == ARPHRD_LOOPBACK) {
		e->type = ND_TYPE__LOOPBACK;
		return 0;
	}
	if (!strcmp(l->kind, "veth")) {
		/* no peer_ifindex: the peer is outside, named at restore (--veth-pair) */
		e->type = ND_TYPE__VETH;
		e->has_peer_ifindex = !l->peer_outside;
		e->peer_ifindex = (uint32_t)l->link;
		return 0;
	}
	pr_err("dump: the network namespace of pid %d has link '%s' of kind '%s': only "
	       "loopback and veth pairs are restored; remove it, or dump with --empty-ns "
	       "net",
	       pid, l->name, l->kind[0] ? l->kind : "unknown");
	return -EOPNOTSUPP;
}

static int dump_net_links(struct dump_ctx *ctx, pid_t pid, uint32_t id)
{
	struct nlroute_link *links = NULL;
	struct dump_net_conf c4, c6;
	struct img *img = NULL;
	size_t nr = 0;
	int ret = nlroute_links(&links, &nr);

	if (ret)
		pr_err("dump: the links of the network namespace of pid %d: %s", pid,
		       strerror(-ret));
	for (size_t i = 0; !ret && i < nr; i++) {
		NetDeviceEntry e = NET_DEVICE_ENTRY__INIT;

		ret = dump_net_type(pid, &links[i], &e);
		if (!ret)
			ret = dump_net_conf(links[i].name, false, &c4);
		if (!ret)
			ret = dump_net_conf(links[i].name, true, &c6);
		if (ret)
			break;
		e.ifindex = (uint32_t)links[i].ifindex;
		e.mtu = links[i].mtu;
		e.flags = links[i].flags;
		e.name = links[i].name;
		e.has_address = links[i].addr_len > 0;
		e.address.data = links[i].addr;
		e.address.len = links[i].addr_len;
		e.n_conf4 = c4.n;
		e.conf4 = c4.pe;
		e.n_conf6 = c6.n;
		e.conf6 = c6.pe;
		if (links[i].master) {
			e.has_master = true;
			e.master = (uint32_t)links[i].master;
		}
		if (!img)
			ret = img_open(&ctx->dir, IMG_NETDEV, id, true, &img);
		if (!ret)
			ret = img_write_msg(img, &e.base);
	}
	if (img && img_close(img) && !ret)
		ret = -EIO;
	free(links);
	return ret;
}

static int dump_net_sysctls(struct dump_ctx *ctx, uint32_t id)
{
	struct dump_net_conf all4, def4, all6, def6;
	CrlNetSysctl misc[NET_MISC_NR], *pmisc[NET_MISC_NR];
	char val[NET_MISC_NR][128];
	NetnsEntry e = NETNS_ENTRY__INIT;
	int ret = dump_net_conf("all", false, &all4);

	if (!ret)
		ret = dump_net_conf("default", false, &def4);
	if (!ret)
		ret = dump_net_conf("all", true, &all6);
	if (!ret)
		ret = dump_net_conf("default", true, &def6);

	for (size_t i = 0; i < NET_MISC_NR && !ret; i++) {
		int r = net_misc_read(net_misc_names[i], val[i], sizeof(val[i]));

		if (r == -ENOENT)
			continue;
		if (r) {
			pr_err("dump: reading net.%s: %s", net_misc_names[i], strerror(-r));
			return r;
		}
		crl_net_sysctl__init(&misc[e.n_crl_sysctls]);
		misc[e.n_crl_sysctls].name = (char *)net_misc_names[i];
		misc[e.n_crl_sysctls].value = val[i];
		pmisc[e.n_crl_sysctls] = &misc[e.n_crl_sysctls];
		e.n_crl_sysctls++;
	}
	e.crl_sysctls = pmisc;

	if (ret)
		return ret;
	e.n_all_conf4 = all4.n;
	e.all_conf4 = all4.pe;
	e.n_def_conf4 = def4.n;
	e.def_conf4 = def4.pe;
	e.n_all_conf6 = all6.n;
	e.all_conf6 = all6.pe;
	e.n_def_conf6 = def6.n;
	e.def_conf6 = def6.pe;
	return img_write_one(&ctx->dir, IMG_NETNS, id, &e.base);
}

/* One raw save stream: the addresses (@kind IMG_IFADDR) or routes of @family. */
static int dump_net_raw(struct dump_ctx *ctx, pid_t pid, enum img_kind kind, int family,
			uint32_t id)
{
	struct img *img = NULL;
	uint8_t *buf;
	size_t len;
	int ret = nlroute_save(kind != IMG_IFADDR, family, &buf, &len);

	if (ret) {
		pr_err("dump: the %s of the network namespace of pid %d: %s",
		       kind == IMG_IFADDR ? "addresses" : "routes", pid, strerror(-ret));
		return ret;
	}
	ret = img_open(&ctx->dir, kind, id, true, &img);
	if (!ret)
		ret = img_write_raw(img, buf, len);
	if (img && img_close(img) && !ret)
		ret = -EIO;
	free(buf);
	return ret;
}

static int dump_net(struct dump_ctx *ctx, pid_t pid, uint32_t id)
{
	int back, ret = ns_enter(pid, "net", CLONE_NEWNET, &back);

	if (ret) {
		pr_err("dump: entering the network namespace of pid %d: %s", pid, strerror(-ret));
		return ret;
	}
	ret = dump_net_links(ctx, pid, id);
	if (!ret)
		ret = dump_net_sysctls(ctx, id);
	if (!ret)
		ret = dump_net_raw(ctx, pid, IMG_IFADDR, AF_UNSPEC, id);
	if (!ret)
		ret = dump_net_raw(ctx, pid, IMG_ROUTE, AF_INET, id);
	if (!ret)
		ret = dump_net_raw(ctx, pid, IMG_ROUTE6, AF_INET6, id);
	back = ns_leave(back, CLONE_NEWNET);
	if (back) {
		pr_err("dump: leaving the network namespace of pid %d: %s", pid, strerror(-back));
		return -EIO;
	}
	return ret;
}

const struct dump_ns_ops dump_ns_net = {dump_net};
