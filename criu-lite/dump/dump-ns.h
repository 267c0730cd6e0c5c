/*
 * Namespace kinds on the dump side: one operations table each, in its own
 * file (dump-ns-<kind>.c); dump-ns.c holds the table of kinds, the ids and
 * the policy, and never switches on a kind.
 */
#ifndef CRL_DUMP_NS_H
#define CRL_DUMP_NS_H

#include <stdint.h>
#include <sys/types.h>

struct dump_ctx;

struct dump_ns_ops {
	/*
	 * Writes the images of namespace @id, the root's own, with the tree
	 * frozen; @pid is the root. Logs; -EOPNOTSUPP for state it refuses.
	 */
	int (*dump)(struct dump_ctx *ctx, pid_t pid, uint32_t id);
};

/*
 * dump-mnt-tmpfs.c: the files of the tmpfs on @mp in @pid's mount namespace
 * into tmpfs-dev-@dev.tar.gz.img. Logs.
 */
int dump_mnt_tmpfs(struct dump_ctx *ctx, pid_t pid, const char *mp, unsigned long dev);

/* the kinds restored (dump-ns-<kind>.c) */
extern const struct dump_ns_ops dump_ns_pid, dump_ns_uts, dump_ns_ipc, dump_ns_mnt, dump_ns_cgroup,
	dump_ns_time, dump_ns_net;

#endif
