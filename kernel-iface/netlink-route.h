/*
 * The links, addresses and routes of the caller's network namespace through
 * rtnetlink (libnl-route-3): what a dump reads and a restore writes back.
 * Every socket is made in the calling thread's network namespace at the
 * time of the call, except where an fd names another one. No policy, no
 * logging.
 */
#ifndef CRL_NETLINK_ROUTE_H
#define CRL_NETLINK_ROUTE_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nlroute_link {
	int ifindex;
	char name[IF_NAMESIZE];
	char kind[32]; /* IFLA_INFO_KIND ("veth"), "" when none (lo) */
	unsigned int arptype, mtu, flags;
	uint8_t addr[32]; /* the hardware address */
	size_t addr_len;
	int link;	   /* IFLA_LINK: a veth's peer ifindex, 0 if none */
	bool peer_outside; /* IFLA_LINK_NETNSID: the peer is in another namespace */
	int master;	   /* IFLA_MASTER, 0 if none */
};

/* The namespace's links, ordered by ifindex (free *@out). 0 or -errno. */
int nlroute_links(struct nlroute_link **out, size_t *nr);

/*
 * iproute2's save streams (`ip addr save`, `ip route save`): a u32 magic,
 * then the kernel's own RTM_NEWADDR / RTM_NEWROUTE messages as dumped.
 */
#define NLROUTE_ADDR_MAGIC 0x47361222u
#define NLROUTE_ROUTE_MAGIC 0x45311224u

/*
 * Dumps every address (@routes false: all families) or the main table's
 * routes of @family into a save stream in *@buf (free it). 0 or -errno.
 */
int nlroute_save(bool routes, int family, uint8_t **buf, size_t *len);
/*
 * Replays a save stream (-EINVAL without one of the magics): each message
 * sent as a new object (an address or a route that exists already, and
 * routes the kernel makes itself, are skipped). On failure, -errno and the
 * offending message's offset in *@at.
 */
int nlroute_restore(const uint8_t *buf, size_t len, size_t *at);

/* Sets @ifindex's MTU (when not 0) and up/down as @up. 0 or -errno. */
int nlroute_link_set(int ifindex, unsigned int mtu, bool up);
/*
 * Makes a veth pair: @name with @ifindex (0: any) here, its peer @peer with
 * @peer_ifindex in the namespace of @peer_nsfd (-1: here). 0 or -errno.
 */
int nlroute_veth_add(const char *name, int ifindex, const char *peer, int peer_ifindex,
		     int peer_nsfd);
/*
 * Through @nsfd's namespace (-1: here): link @name up, and enslaved to the
 * bridge @master when not NULL. 0 or -errno.
 */
int nlroute_link_up_in(int nsfd, const char *name, const char *master);

#endif
