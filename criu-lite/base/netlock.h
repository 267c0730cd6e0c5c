/*
 * The network lock's policy half (the netfilter half is
 * kernel-iface/nf-lock.h): which method the options ask for, the lock's name
 * for a tree, one error line when it cannot be taken, and releasing it.
 * Shared by the dump (takes it) and the restore (releases what a dump left).
 */
#ifndef CRL_NETLOCK_H
#define CRL_NETLOCK_H

#include <stdbool.h>
#include <sys/types.h>

#include "nf-lock.h"
#include "options.h"

struct netlock {
	const struct nf_lock_ops *ops; /* set once taken */
	int method;		       /* NF_LOCK_* */
	pid_t root;
	char name[32];
	bool held;
};

/* The method @o asks for: NF_LOCK_IPTABLES (also when not given, as criu), _NFTABLES, or 0. */
int netlock_method(const struct opts *o);
/* "iptables", "nftables", "skip" */
const char *netlock_method_name(int method);

/*
 * Takes the lock of @method (NF_LOCK_*) for the tree rooted at @root, once:
 * later calls return 0. Refuses a lock of that name that exists already (an
 * earlier dump's, not yet restored). Logs one line on failure. 0 or -errno.
 */
int netlock_take(struct netlock *l, int method, pid_t root);
/* Adds a connection / a listening port to the lock taken. Logs. 0 or -errno. */
int netlock_conn(struct netlock *l, const struct nf_tuple *t);
int netlock_port(struct netlock *l, uint16_t port);
/* Removes the lock if held (warns when it cannot). */
void netlock_release(struct netlock *l);
/*
 * The end of a restore: removes the lock of @method a dump of @root left, if
 * it is there (a restore on another host finds none). Warns when it cannot.
 */
void netlock_release_left(int method, pid_t root);
/* Probes @method for real: a lock made and removed. 0 or -errno, @why said. */
int netlock_probe(int method, char *why, size_t len);

#endif
