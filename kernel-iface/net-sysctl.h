/*
 * The per-namespace IPv4 device sysctls, /proc/sys/net/ipv4/conf/{all,
 * default,IF}/NAME, as seen by the calling thread's network namespace (the
 * opener's, at open time). NET_CONF4_NAMES lists them in CRIU's order, the
 * order of netns_entry's and net_device_entry's conf4 arrays. No policy, no
 * logging.
 */
#ifndef CRL_NET_SYSCTL_H
#define CRL_NET_SYSCTL_H

#include <stddef.h>

#define NET_CONF4_NR 30
extern const char *const net_conf4_names[NET_CONF4_NR];
/* net.ipv6.conf.*, in CRIU's order (conf6, def_conf6, all_conf6) */
#define NET_CONF6_NR 42
extern const char *const net_conf6_names[NET_CONF6_NR];

/* Namespace-wide sysctls beyond conf4, by path under /proc/sys/net. */
#define NET_MISC_NR 5
extern const char *const net_misc_names[NET_MISC_NR];
/* Its text, without the trailing newline. 0, -ENOENT, or -errno. */
int net_misc_read(const char *name, char *buf, size_t len);
int net_misc_write(const char *name, const char *val);

/*
 * net.@proto.conf.@dev.@name (@proto "ipv4" or "ipv6") into *@val. 0,
 * -ENOENT (not in this kernel, or no IPv6), or -errno.
 */
int net_conf_read(const char *proto, const char *dev, const char *name, int *val);
int net_conf_write(const char *proto, const char *dev, const char *name, int val);

#endif
