/*
 * Command-line options, criu's and criu-lite's own. main() fills one struct;
 * commands get it const. What each criu option does in criu-lite (supported,
 * accepted without effect, refused) is one table, options-table.c, which also
 * prints --help; docs/compat.md is the same list for people.
 */
#ifndef CRL_OPTIONS_H
#define CRL_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* network namespaces (net19): --empty-ns net (RPC empty_ns), criu's CLONE_NEWNET; --veth-pair */
#define OPTS_EMPTY_NS_NET 0x40000000u
#define OPTS_MAX_VETH 8
struct opts_veth {
	char in[16], out[16], bridge[16]; /* IFNAMSIZ each; bridge "" if none */
};

#define OPTS_MAX_CLOSE 16
/* --network-lock, with criu's numbers (rpc.proto criu_network_lock_method) */
#define OPTS_NETLOCK_IPTABLES 1
#define OPTS_NETLOCK_NFTABLES 2
#define OPTS_NETLOCK_SKIP 3
#define OPTS_MAX_SCRIPTS 8
#define OPTS_MAX_EXT_MNT 64

/*
 * --external mnt[KEY]:VAL, --ext-mount-map KEY:VAL (criu's semantics): at
 * dump, mount point KEY is external and recorded with the key VAL; at
 * restore, the mount recorded with key KEY is a bind of the host path VAL.
 */
struct opts_ext_mnt {
	const char *key; /* key_len bytes, not terminated (a part of the option's word) */
	size_t key_len;
	const char *val;
};

#define OPTS_MAX_CG_ROOTS 16

/* --manage-cgroups modes (criu's); 0, not given, is criu's default: soft */
enum opts_cg_mode {
	OPTS_CG_DEFAULT,
	OPTS_CG_IGNORE,
	OPTS_CG_NONE,
	OPTS_CG_PROPS,
	OPTS_CG_SOFT,
	OPTS_CG_FULL,
	OPTS_CG_STRICT,
};

#define OPTS_MAX_INHERIT 16

/* --inherit-fd fd[N]:KEY: the caller's fd N stands for the dumped file named KEY */
struct opts_inherit {
	int fd;
	const char *key; /* "pipe:[INODE]", or a regular file's path without its leading '/' */
};

struct opts {
	const char *command;
	pid_t pid;			/* -t */
	const char *images_dir;		/* -D, default "." */
	const char *work_dir;		/* -W: relative -o and --pidfile live there */
	const char *prev_images_dir;	/* --prev-images-dir, relative to -D */
	const char *pidfile;		/* --pidfile */
	const char *log_file;		/* -o */
	const char *address;		/* --address */
	const char *tracker;		/* --tracker=auto|soft-dirty|uffd-wp|digest|none */
	const char *show_file;		/* show FILE / -f FILE */
	const char *check_feature;	/* check --feature NAME */
	const char *swrk_fd;		/* swrk FD */
	int port;			/* --port */
	int verbosity;			/* -v */
	int status_fd;			/* --status-fd, -1 unset */
	int timeout;			/* --timeout seconds (accepted, see compat.md) */
	int network_lock;		/* OPTS_NETLOCK_*; 0: not given (iptables, as criu) */
	unsigned long long ghost_limit; /* --ghost-limit: most data of an unlinked file carried */
	int close_fds[OPTS_MAX_CLOSE];	/* --close FD, done by main() */
	int n_close;
	const char *action_scripts[OPTS_MAX_SCRIPTS]; /* --action-script, in order */
	int n_action_scripts;
	const char *root; /* --root: restore: the tree's root file system (a host path) */
	struct opts_ext_mnt ext_mnt[OPTS_MAX_EXT_MNT];
	int n_ext_mnt;
	enum opts_cg_mode manage_cgroups; /* --manage-cgroups */
	/* --cgroup-root [CTRL:]/PATH, in order; "CTRL:" absent: every hierarchy */
	const char *cg_roots[OPTS_MAX_CG_ROOTS];
	int n_cg_roots;
	const char *freeze_cgroup; /* --freeze-cgroup: a freezer cgroup holding the tree alone */
	/*
	 * RPC with notify_scripts: each action-script stage is also sent to the
	 * client, which must agree (0) for the operation to go on (action.c).
	 */
	int (*notify)(void *arg, const char *stage, pid_t pid);
	/* The same with an fd for the client (orphan-pts-master: a console's new master). */
	int (*notify_fd)(void *arg, const char *stage, int fd);
	void *notify_arg;
	bool version;		 /* -V */
	bool check_extra;	 /* check --extra / --all */
	bool check_experimental; /* check --experimental / --all */
	bool track_mem;
	bool leave_running;
	bool leave_stopped; /* dump: SIGSTOP the tree and detach instead of killing it */
	bool restore_detached;
	bool shell_job;
	bool page_server;
	bool daemon;
	bool json;
	bool ext_unix_sk;
	bool tcp_established;
	bool tcp_close;	     /* dump: connections not kept; restore: connections come back closed */
	bool skip_in_flight; /* dump: connections waiting in a listener's queue are left out */
	bool staged;	     /* restore --staged: commands on stdin */
	bool lazy_pages;     /* restore --lazy-pages: memory served on first touch */
	bool allow_unsafe_images_dir; /* dump, page-server: -D may be unsafe (docs/security.md) */
	bool trust_images;	      /* restore: images need not come from root or the caller */
	bool skip_file_size_check;    /* restore: a file whose size changed is only warned of */
	bool no_page_checksums;	      /* --no-page-checksums: none written (dump), none checked */
	bool unprivileged; /* --unprivileged: drop every capability but CAP_CHECKPOINT_RESTORE */
	/* network namespaces (net19) */
	unsigned int empty_ns;		      /* --empty-ns net: OPTS_EMPTY_NS_NET */
	struct opts_veth veth[OPTS_MAX_VETH]; /* --veth-pair IN=OUT[@BRIDGE] */
	int n_veth;
	/* runc's restore (runc19) */
	bool restore_sibling; /* restore -S: the root becomes our parent's child (CLONE_PARENT) */
	struct opts_inherit inherit[OPTS_MAX_INHERIT]; /* restore --inherit-fd */
	int n_inherit;
	bool orphan_pts_master; /* RPC: a console pty whose master the caller holds */
	/* "--name=value" words made from config files: strings above may point in them */
	char **cfg_words;
	size_t n_cfg_words;
};

/*
 * Fills *o from the config files criu reads and then argv (which overrides
 * them); returns 0, or -EINVAL after printing one line saying why. Prints
 * --help and exits 0 when asked to.
 */
int opts_parse(int argc, char **argv, struct opts *o);
/*
 * Applies config file @path onto @o as if it were --config (RPC's
 * config_file): a missing file is skipped, as criu. 0, or -errno/-EINVAL
 * after printing one line naming the file and the line.
 */
int opts_apply_config(struct opts *o, const char *path);
/* Parses one --inherit-fd value "fd[N]:KEY" into @o. 0 or -EINVAL (logged). */
int opts_add_inherit(struct opts *o, const char *arg);
/* Frees what opts_parse() read from config files. */
void opts_fini(struct opts *o);

#endif
