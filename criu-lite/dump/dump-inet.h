/*
 * The inet kind's own helpers (dump-fd-inet*.c).
 */
#ifndef CRL_DUMP_INET_H
#define CRL_DUMP_INET_H

#include <linux/filter.h>
#include <net/if.h>

#include "dump-files.h"
#include "sock-diag.h"

/* What an inet socket's options point into while its entry is written. */
struct inet_opts_buf {
	IpOptsEntry ipopts;
	IpOptsRawEntry raw;
	uint32_t icmp_filter[8];       /* ICMP_FILTER (one word) or ICMPV6_FILTER (eight) */
	uint64_t filter[BPF_MAXINSNS]; /* SO_GET_FILTER, one sock_filter per word */
	char dev[IFNAMSIZ];	       /* SO_BINDTODEVICE */
};

/*
 * dump-fd-inet-opts.c: every recorded option of inet socket @sk (described
 * by @s) into @e, @e->opts and @b. 0 or -errno.
 */
int dump_inet_opts(int sk, const struct sock_diag_inet *s, InetSkEntry *e, struct inet_opts_buf *b);

#endif
