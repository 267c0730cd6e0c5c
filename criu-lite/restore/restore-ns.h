/*
 * Namespace kinds on the restore side: one operations table each, in its
 * own file (restore-ns-<kind>.c); restore-ns.c holds the table of kinds and
 * the order, and never switches on a kind.
 */
#ifndef CRL_RESTORE_NS_H
#define CRL_RESTORE_NS_H

#include <stdbool.h>

struct img_dir;
struct opts;

/* What a namespace the tool makes (ops->make) is given besides its images. */
struct rst_ns_env {
	const struct opts *o;
	int outside; /* an fd of the tool's own namespace of that kind */
};

struct rst_ns_ops {
	/*
	 * Reads namespace @id's images into *@st before any process exists
	 * (@o: the options that say how, such as --root): 0, -ENOENT when it
	 * has none (the dump's tool's: nothing to make), or -errno. Logs.
	 */
	int (*read)(const struct img_dir *d, const struct opts *o, unsigned long id, void **st);
	/*
	 * In the new root, just after it unshared the namespace: rebuilds @st.
	 * Runs in the child: no log; on failure, -errno and what failed in *@what.
	 */
	int (*apply)(const void *st, const char **what);
	void (*free)(void *st);
	/* the tool works in it once it exists (ipc: segments the rebuild attaches) */
	bool tool_joins;
	/*
	 * Optional (mnt): an fd of the devpts the tree gets in place of the
	 * dumped one of device @maj:@min, made before any process (its ptys
	 * are opened there); -ENOENT if none.
	 */
	int (*devpts)(const void *st, unsigned int maj, unsigned int min);
	/*
	 * Optional. Made by the tool instead of the root: the tool's thread,
	 * just moved into a new namespace, rebuilds @st there before the files
	 * are opened, and the root inherits it (net: sockets are made in it).
	 * Logs.
	 */
	int (*make)(const void *st, const struct rst_ns_env *env);
	/* Optional: the state of an empty namespace (--empty-ns), in *@st. */
	int (*empty)(void **st);
};

extern const struct rst_ns_ops rst_ns_uts, rst_ns_ipc, rst_ns_mnt, rst_ns_cgroup, rst_ns_time,
	rst_ns_net;

#endif
