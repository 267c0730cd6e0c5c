/*
 * A network namespace the root owns, read from inside it (setns): its links
 * (netdev-ID.img, CRIU's net_device_entry: loopback, veth pairs with both
 * ends inside or with the peer outside, recorded without peer_ifindex; other
 * kinds are refused by name), the IPv4 device sysctls of all, default and each link (conf4, in
 * CRIU's order; netns-ID.img), and its addresses and main-table routes as
 * raw netlink dumps (ifaddr-ID.img, route-ID.img, route6-ID.img: iproute2's
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

/* The conf4 sysctls of @dev; a value this kernel lacks is written without iarg. */
static int dump_net_conf4(const char *dev, SysctlEntry *e, SysctlEntry **pe)
{
	for (size_t i = 0; i < NET_CONF4_NR; i++) {
		int v, ret = net_conf4_read(dev, net_conf4_names[i], &v);

		sysctl_entry__init(&e[i]);
		e[i].type = SYSCTL_TYPE__CTL_32;
		if (ret && ret != -ENOENT) {
			pr_err("dump: reading net.ipv4.conf.%s.%s: %s", dev, net_conf4_names[i],
			       strerror(-ret));
			return ret;
		}
		e[i].has_iarg = !ret;
		e[i].iarg = v;
		pe[i] = &e[i];
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
	SysctlEntry conf[NET_CONF4_NR], *pconf[NET_CONF4_NR];
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
			ret = dump_net_conf4(links[i].name, conf, pconf);
		if (ret)
			break;
		e.ifindex = (uint32_t)links[i].ifindex;
		e.mtu = links[i].mtu;
		e.flags = links[i].flags;
		e.name = links[i].name;
		e.has_address = links[i].addr_len > 0;
		e.address.data = links[i].addr;
		e.address.len = links[i].addr_len;
		e.n_conf4 = NET_CONF4_NR;
		e.conf4 = pconf;
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
	SysctlEntry all[NET_CONF4_NR], def[NET_CONF4_NR];
	SysctlEntry *pall[NET_CONF4_NR], *pdef[NET_CONF4_NR];
	CrlNetSysctl misc[NET_MISC_NR], *pmisc[NET_MISC_NR];
	char val[NET_MISC_NR][128];
	NetnsEntry e = NETNS_ENTRY__INIT;
	int ret = dump_net_conf4("all", all, pall);

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

	if (!ret)
		ret = dump_net_conf4("default", def, pdef);
	if (ret)
		return ret;
	e.n_all_conf4 = e.n_def_conf4 = NET_CONF4_NR;
	e.all_conf4 = pall;
	e.def_conf4 = pdef;
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
