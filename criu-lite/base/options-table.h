/* The option table shared by options.c (parsing) and options-table.c (--help). */
#ifndef CRL_OPTIONS_TABLE_H
#define CRL_OPTIONS_TABLE_H

#include <stddef.h>

enum opt_status {
	OPT_DOES,    /* criu-lite does what criu does */
	OPT_NOOP,    /* accepted; no effect in criu-lite (text says why) */
	OPT_REFUSED, /* refused with one line (text says what is planned) */
};

#define OPTF_BOOL (1u << 0) /* criu also takes --no-NAME */
#define OPTF_LITE (1u << 1) /* criu-lite's own, not criu's */

enum opt_id {
	OI_NONE,
	OI_TREE,
	OI_IMAGES_DIR,
	OI_WORK_DIR,
	OI_PREV_IMAGES_DIR,
	OI_TRACK_MEM,
	OI_LEAVE_RUNNING,
	OI_LEAVE_STOPPED,
	OI_RESTORE_DETACHED,
	OI_DAEMON,
	OI_PIDFILE,
	OI_LOG_FILE,
	OI_VERBOSITY,
	OI_SHELL_JOB,
	OI_PAGE_SERVER,
	OI_ADDRESS,
	OI_PORT,
	OI_STATUS_FD,
	OI_EXT_UNIX_SK,
	OI_TCP_ESTABLISHED,
	OI_UNPRIVILEGED,
	OI_CONFIG,
	OI_NO_DEFAULT_CONFIG,
	OI_TIMEOUT,
	OI_VERSION,
	OI_HELP,
	OI_CLOSE,
	OI_ACTION_SCRIPT,
	OI_GHOST_LIMIT,
	OI_CPU_CAP,
	OI_MANAGE_CGROUPS,
	OI_NETWORK_LOCK,
	OI_EMPTY_NS,
	OI_VETH_PAIR,
	OI_TCP_CLOSE,
	OI_SKIP_IN_FLIGHT,
	OI_PRE_DUMP_MODE,
	OI_FILE_VALIDATION,
	OI_FEATURE,
	OI_EXTRA,
	OI_EXPERIMENTAL,
	OI_ALL,
	OI_TRACKER,
	OI_JSON,
	OI_FILE,
	OI_STAGED,
	OI_ROOT,
	OI_EXTERNAL,
	OI_EXT_MOUNT_MAP,
	OI_RESTORE_SIBLING,
	OI_INHERIT_FD,
	OI_LAZY_PAGES,
	OI_ALLOW_UNSAFE_IMAGES_DIR,
	OI_TRUST_IMAGES,
	OI_SKIP_FILE_SIZE_CHECK,
	OI_PAGE_CHECKSUMS,
	OI_CGROUP_ROOT,
	OI_FREEZE_CGROUP,
};

struct opt_desc {
	const char *name;   /* long name, without dashes */
	enum opt_id id;	    /* OI_NONE for no-op and refused options */
	char short_name;    /* 0 when none */
	int has_arg;	    /* getopt's no_argument, required_argument, optional_argument */
	unsigned int flags; /* OPTF_* */
	enum opt_status status;
	const char *metavar; /* for --help */
	const char *text;    /* help; why it has no effect; or what is planned */
};

extern const struct opt_desc opt_table[];
extern const size_t opt_table_len;

/* Prints --help, generated from opt_table. */
void opts_usage(const char *prog);

#endif
