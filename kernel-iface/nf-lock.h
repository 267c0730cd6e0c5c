/*
 * Netfilter rules that hold TCP connections still while their processes are
 * checkpointed (criu's network lock): every segment of a locked 4-tuple is
 * dropped both ways, so the peer sees neither a reset nor an answer and
 * retransmits until the restored socket takes over; new connection attempts
 * (SYN without ACK) to a locked listening port are dropped too, so the peer
 * retries later. Segments carrying NF_LOCK_MARK (the tool's own raw
 * segments, tcp_repair_inject) pass.
 *
 * One lock is one named object: an nftables table "inet NAME" (libnftables)
 * or the iptables chains NAME-i and NAME-o hooked first into INPUT and OUTPUT
 * of the filter table, for IPv4 and IPv6 (iptables-restore, ip6tables-restore
 * run as criu runs them). Mechanism only: the caller picks the name, the
 * method and what to lock. Functions return 0 or -errno and, on failure, put
 * the tool's or library's own message into @err.
 */
#ifndef CRL_NF_LOCK_H
#define CRL_NF_LOCK_H

#include <stddef.h>
#include <stdint.h>

/* criu's values (rpc.proto criu_network_lock_method, inventory network_lock_method) */
#define NF_LOCK_IPTABLES 1
#define NF_LOCK_NFTABLES 2

/* SO_MARK of the segments the lock lets through (criu's SOCCR_MARK) */
#define NF_LOCK_MARK 0xC114

/* One connection as its local end sees it: addresses in network order, ports in host order. */
struct nf_tuple {
	int family; /* AF_INET ([0] only) or AF_INET6 */
	uint32_t laddr[4], raddr[4];
	uint16_t lport, rport;
};

struct nf_lock_ops {
	const char *name; /* "iptables", "nftables" */
	/* The tool or library is there: 0, -ENOENT (missing) or -EOPNOTSUPP (not built in). */
	int (*available)(char *err, size_t len);
	/* The lock @name, empty. */
	int (*create)(const char *name, char *err, size_t len);
	/* Drops the segments of @t, both ways. */
	int (*add_conn)(const char *name, const struct nf_tuple *t, char *err, size_t len);
	/* Drops connection attempts (SYN without ACK) to local TCP port @port, IPv4 and IPv6. */
	int (*add_port)(const char *name, uint16_t port, char *err, size_t len);
	/* 1 if lock @name exists, 0 if not, or -errno. */
	int (*exists)(const char *name, char *err, size_t len);
	/* Removes lock @name and everything in it. */
	int (*destroy)(const char *name, char *err, size_t len);
};

extern const struct nf_lock_ops nf_lock_iptables; /* nf-lock-ipt.c */
extern const struct nf_lock_ops nf_lock_nftables; /* nf-lock-nft.c */

/* The backend of NF_LOCK_* @method, or NULL. */
const struct nf_lock_ops *nf_lock_ops_of(int method);

/*
 * The texts handed to the tools, apart for tests (pure): the iptables-restore
 * input that creates (@what 'c'), fills with @t ('t'), with @port ('p') or
 * removes ('d') lock @name for @family into @buf; the nft command for the
 * same ('c', 't', 'p', 'd'). The length written, or -ENOSPC.
 */
int nf_lock_ipt_text(char *buf, size_t len, int family, char what, const char *name,
		     const struct nf_tuple *t, uint16_t port);
int nf_lock_nft_text(char *buf, size_t len, char what, const char *name, const struct nf_tuple *t,
		     uint16_t port);

#endif
