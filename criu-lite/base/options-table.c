/*
 * Every option of criu 4.x and what criu-lite does with it, plus criu-lite's
 * own options. One row per option; docs/compat.md says the same for people.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "options-table.h"
#include "options.h"

#define DOES(n, i, s, a, f, m, t)                                                                  \
	{                                                                                          \
		n, i, s, a, f, OPT_DOES, m, t                                                      \
	}
#define NOOP(n, s, a, f, t)                                                                        \
	{                                                                                          \
		n, OI_NONE, s, a, f, OPT_NOOP, NULL, t                                             \
	}
#define REFUSED(n, s, a, f, t)                                                                     \
	{                                                                                          \
		n, OI_NONE, s, a, f, OPT_REFUSED, NULL, t                                          \
	}
#define NA no_argument
#define RA required_argument
#define OA optional_argument
#define B OPTF_BOOL

const struct opt_desc opt_table[] = {
	/* common */
	DOES("verbosity", OI_VERBOSITY, 'v', OA, 0, "N",
	     "-v, -vv... raise the level; -vN or --verbosity=N set it: "
	     "0-1 errors, 2 warnings (default), 3 information, 4 debug"),
	DOES("log-file", OI_LOG_FILE, 'o', RA, 0, "FILE",
	     "write the log to FILE (relative: in -W, else in -D)"),
	DOES("config", OI_CONFIG, 0, RA, 0, "FILE",
	     "read options from FILE (then the default files are not read)"),
	DOES("no-default-config", OI_NO_DEFAULT_CONFIG, 0, NA, 0, NULL,
	     "do not read /etc/criu/default.conf nor $HOME/.criu/default.conf"),
	DOES("images-dir", OI_IMAGES_DIR, 'D', RA, 0, "DIR", "images directory (default: .)"),
	DOES("work-dir", OI_WORK_DIR, 'W', RA, 0, "DIR",
	     "where a relative -o or --pidfile goes (default: -D)"),
	DOES("pidfile", OI_PIDFILE, 0, RA, 0, "FILE",
	     "write the restored root's pid (page-server: its own)"),
	DOES("close", OI_CLOSE, 0, RA, 0, "FD", "close FD before doing anything else"),
	DOES("version", OI_VERSION, 'V', NA, 0, NULL,
	     "print the criu version criu-lite matches, then its own"),
	DOES("help", OI_HELP, 'h', NA, 0, NULL, "print this help"),
	NOOP("display-stats", 0, NA, B,
	     "statistics are always written to stats-dump; "
	     "criu-lite show prints them"),
	NOOP("log-pid", 0, NA, B, "criu-lite writes one log, not one per pid"),
	NOOP("libdir", 'L', RA, 0, "criu-lite has no plugins"),
	NOOP("deprecated", 0, NA, B, "criu-lite has no deprecated features to enable"),
	DOES("action-script", OI_ACTION_SCRIPT, 0, RA, 0, "SCRIPT",
	     "run SCRIPT (sh -c) at each dump/restore stage; $CRTOOLS_SCRIPT_ACTION names it"),
	/* dump and pre-dump */
	DOES("tree", OI_TREE, 't', RA, 0, "PID", "root of the process tree to checkpoint"),
	DOES("leave-running", OI_LEAVE_RUNNING, 'R', NA, 0, NULL, "resume the tree after dump"),
	DOES("leave-stopped", OI_LEAVE_STOPPED, 's', NA, 0, NULL,
	     "after dump, leave the tree stopped (SIGSTOP) instead of killing it"),
	DOES("prev-images-dir", OI_PREV_IMAGES_DIR, 0, RA, 0, "DIR",
	     "parent images, relative to -D"),
	DOES("track-mem", OI_TRACK_MEM, 0, NA, B, NULL,
	     "keep tracking writes for a later incremental dump"),
	DOES("pre-dump-mode", OI_PRE_DUMP_MODE, 0, RA, 0, "splice|read",
	     "accepted; criu-lite always copies with process_vm_readv (criu's 'read')"),
	DOES("page-server", OI_PAGE_SERVER, 0, NA, B, NULL,
	     "send memory to a page server (--address, --port)"),
	DOES("address", OI_ADDRESS, 0, RA, 0, "ADDR", "page server address"),
	DOES("port", OI_PORT, 0, RA, 0, "PORT", "page server port"),
	DOES("shell-job", OI_SHELL_JOB, 'j', NA, B, NULL,
	     "the tree belongs to the calling shell's session"),
	DOES("unprivileged", OI_UNPRIVILEGED, 0, NA, B, NULL,
	     "use only what CAP_CHECKPOINT_RESTORE allows (own processes)"),
	DOES("timeout", OI_TIMEOUT, 0, RA, 0, "SECONDS",
	     "accepted and checked; criu-lite bounds each task's freeze to 2 s itself"),
	DOES("ghost-limit", OI_GHOST_LIMIT, 0, RA, 0, "SIZE[K|M|G]",
	     "most data (holes not counted) of an unlinked file carried in the images (default "
	     "1G)"),
	DOES("cpu-cap", OI_CPU_CAP, 0, OA, 0, "CAP,...",
	     "none and fpu accepted (criu-lite writes no cpuinfo image); cpu, ins, all refused"),
	DOES("network-lock", OI_NETWORK_LOCK, 0, RA, 0, "METHOD",
	     "iptables (default), nftables or skip: how TCP connections with peers outside the "
	     "tree are held still from the freeze to the end of the restore"),
	DOES("manage-cgroups", OI_MANAGE_CGROUPS, 0, OA, 0, "MODE",
	     "restore: none|props|soft|full|strict|ignore, as criu (default soft: missing "
	     "cgroups created, properties set only in those; docs/containers.md)"),
	DOES("file-validation", OI_FILE_VALIDATION, 0, RA, 0, "filesize|buildid",
	     "filesize accepted (what criu-lite checks); buildid refused"),
	NOOP("file-locks", 'l', NA, B, "file locks are always dumped and restored"),
	NOOP("tcp-established", 0, NA, B,
	     "established TCP connections are always dumped and restored"),
	DOES("ext-unix-sk", OI_EXT_UNIX_SK, 'x', OA, 0, "INO",
	     "dump a datagram unix socket connected to a named peer outside the tree (/dev/log); "
	     "restore connects it to that name again"),
	NOOP("link-remap", 0, NA, B,
	     "unlinked files with other links are always linked back, others carried as ghosts"),
	NOOP("ghost-fiemap", 0, NA, B, "ghost images are always written around holes"),
	NOOP("evasive-devices", 0, NA, B, "criu-lite opens no device by another path"),
	NOOP("force-irmap", 0, NA, B,
	     "inotify/fanotify paths always come from their file handles at dump"),
	NOOP("irmap-scan-path", 0, RA, 0,
	     "inotify/fanotify paths always come from their file handles at dump"),
	NOOP("weak-sysctls", 0, NA, B, "criu-lite restores no sysctls"),
	DOES("lazy-pages", OI_LAZY_PAGES, 0, NA, B, NULL,
	     "restore: the tree runs at once, its private memory served on first touch "
	     "(userfaultfd) and pushed in the background by a detached server"),
	REFUSED("auto-dedup", 0, NA, B, "planned: image deduplication"),
	REFUSED("stream", 0, NA, B, "planned: image streaming"),
	DOES("skip-in-flight", OI_SKIP_IN_FLIGHT, 0, NA, B, NULL,
	     "dump: leave out connections still waiting in a listener's accept queue"),
	DOES("tcp-close", OI_TCP_CLOSE, 0, NA, B, NULL,
	     "dump: do not lock or keep TCP connections; restore: bring them back closed"),
	DOES("external", OI_EXTERNAL, 0, RA, 0, "mnt[KEY]:VAL",
	     "dump: mount point KEY is external, recorded as VAL; restore: the mount recorded "
	     "as KEY is a bind of host path VAL; veth[IN]:OUT[@BRIDGE] as --veth-pair"),
	DOES("freeze-cgroup", OI_FREEZE_CGROUP, 0, RA, 0, "DIR",
	     "dump: freeze the tree through this freezer cgroup (v1 freezer.state, cgroup2 "
	     "cgroup.freeze), which must hold the tree alone, then seize it; thawed at once"),
	DOES("cgroup-root", OI_CGROUP_ROOT, 0, RA, 0, "[CTRL:]/PATH",
	     "restore: the root task's cgroup becomes PATH (in hierarchy CTRL, else in all); "
	     "may be repeated"),
	REFUSED("cgroup-props", 0, RA, 0, "planned: cgroups"),
	REFUSED("cgroup-props-file", 0, RA, 0, "planned: cgroups"),
	REFUSED("cgroup-dump-controller", 0, RA, 0, "planned: cgroups"),
	REFUSED("cgroup-yard", 0, RA, 0, "planned: cgroups"),
	DOES("ext-mount-map", OI_EXT_MOUNT_MAP, 'M', RA, 0, "KEY:VAL",
	     "the same as --external mnt[KEY]:VAL"),
	REFUSED("enable-external-sharing", 0, NA, 0, "planned: mount namespaces"),
	REFUSED("enable-external-masters", 0, NA, 0, "planned: mount namespaces"),
	REFUSED("skip-mnt", 0, RA, 0, "planned: mount namespaces"),
	REFUSED("enable-fs", 0, RA, 0, "planned: mount namespaces"),
	REFUSED("mntns-compat-mode", 0, NA, B, "planned: mount namespaces"),
	REFUSED("allow-uprobes", 0, NA, B, "criu-lite does not dump [uprobes] mappings"),
	REFUSED("tls", 0, NA, B, "planned: page server over TLS"),
	REFUSED("tls-cacert", 0, RA, 0, "planned: page server over TLS"),
	REFUSED("tls-cacrl", 0, RA, 0, "planned: page server over TLS"),
	REFUSED("tls-cert", 0, RA, 0, "planned: page server over TLS"),
	REFUSED("tls-key", 0, RA, 0, "planned: page server over TLS"),
	REFUSED("tls-no-cn-verify", 0, NA, 0, "planned: page server over TLS"),
	REFUSED("ps-socket", 0, RA, 0, "planned: page server on a given socket"),
	REFUSED("ms", 0, NA, 0, "criu removed it too; use check --feature"),
	/* restore */
	DOES("restore-detached", OI_RESTORE_DETACHED, 'd', NA, B, NULL,
	     "return once the restored tree runs (page-server: --daemon)"),
	DOES("daemon", OI_DAEMON, 0, NA, B, NULL,
	     "page-server: run in the background; restore: -d"),
	DOES("status-fd", OI_STATUS_FD, 0, RA, 0, "FD", "page-server: report readiness on FD"),
	DOES("restore-sibling", OI_RESTORE_SIBLING, 'S', NA, B, NULL,
	     "restore: the root becomes a child of the caller's parent (CLONE_PARENT)"),
	DOES("root", OI_ROOT, 'r', RA, 0, "PATH",
	     "restore: the host path of the tree's root file system (its own mount namespace)"),
	DOES("inherit-fd", OI_INHERIT_FD, 0, RA, 0, "fd[N]:KEY",
	     "restore: fd N stands for the dumped pipe:[INODE] or file path KEY"),
	REFUSED("join-ns", 'J', RA, 0, "planned: namespaces"),
	DOES("empty-ns", OI_EMPTY_NS, 0, RA, 0, "net",
	     "dump: the network namespace is not dumped; restore: a new one with only lo, up"),
	DOES("veth-pair", OI_VETH_PAIR, 0, RA, 0, "IN=OUT[@BRIDGE]",
	     "restore: veth IN of the tree's network namespace gets its peer OUT in the tool's, "
	     "enslaved to BRIDGE (criu's --external veth[IN]:OUT[@BRIDGE])"),
	REFUSED("lsm-profile", 0, RA, 0, "planned: LSM profiles"),
	REFUSED("lsm-mount-context", 0, RA, 0, "planned: LSM profiles"),
	REFUSED("exec-cmd", 0, NA, 0, "planned: restore --exec-cmd"),
	REFUSED("skip-file-rwx-check", 0, NA, B, "planned: restore file checks"),
	/* check */
	DOES("feature", OI_FEATURE, 0, RA, 0, "NAME", "check: one feature ('list' names them)"),
	DOES("extra", OI_EXTRA, 0, NA, B, NULL, "check: also what specific trees need"),
	DOES("experimental", OI_EXPERIMENTAL, 0, NA, B, NULL, "check: experimental features"),
	DOES("all", OI_ALL, 0, NA, 0, NULL, "check: --extra and --experimental"),
	/* criu-lite's own */
	DOES("tracker", OI_TRACKER, 0, RA, OPTF_LITE, "NAME",
	     "auto|soft-dirty|uffd-wp|digest|none (default auto)"),
	DOES("staged", OI_STAGED, 0, NA, OPTF_LITE, NULL,
	     "restore: read 'stage DIR' and 'restore DIR' lines on stdin"),
	DOES("json", OI_JSON, 0, NA, OPTF_LITE, NULL, "show: print JSON"),
	DOES("file", OI_FILE, 'f', RA, OPTF_LITE, "FILE", "show: the image to print"),
	DOES("allow-unsafe-images-dir", OI_ALLOW_UNSAFE_IMAGES_DIR, 0, NA, OPTF_LITE, NULL,
	     "dump, page-server: write into a -D owned by another user or writable by others"),
	DOES("trust-images", OI_TRUST_IMAGES, 0, NA, OPTF_LITE, NULL,
	     "restore: accept images not written by root or the caller (docs/security.md)"),
	DOES("skip-file-size-check", OI_SKIP_FILE_SIZE_CHECK, 0, NA, OPTF_LITE | B, NULL,
	     "restore: open files whose size changed since the dump, with a warning "
	     "(without it only a grown O_APPEND file is)"),
	DOES("page-checksums", OI_PAGE_CHECKSUMS, 0, NA, OPTF_LITE | B, NULL,
	     "dump, pre-dump: write a CRC32C per page (pagecsum-N.img), restore and "
	     "page-server: check them (default; --no-page-checksums: neither)"),
};

const size_t opt_table_len = sizeof(opt_table) / sizeof(opt_table[0]);

/* One option: its spelling in 34 columns, its text wrapped to 80. */
static void usage_row(const struct opt_desc *d)
{
	const char *t = d->text, *m = d->metavar;
	char left[80];
	size_t len;
	int n;

	if (!m && d->has_arg != no_argument)
		m = "ARG";
	if (d->short_name)
		n = snprintf(left, sizeof(left), "  -%c, --%s", d->short_name, d->name);
	else
		n = snprintf(left, sizeof(left), "      --%s", d->name);
	if (m)
		n += snprintf(left + n, sizeof(left) - (size_t)n,
			      d->has_arg == optional_argument ? "[=%s]" : " %s", m);
	if (n > 33) {
		printf("%s\n", left);
		left[0] = '\0';
	}
	while (*t) {
		len = strcspn(t, "\n");
		if (len > 46) { /* break at the last blank that fits */
			len = 46;
			while (len && t[len] != ' ')
				len--;
			if (!len)
				len = strcspn(t, " \n");
		}
		printf("%-34s%.*s\n", left, (int)len, t);
		left[0] = '\0';
		t += len;
		t += (*t == '\n' || *t == ' ');
	}
}

static void usage_section(const char *title, enum opt_status st, unsigned int flags)
{
	printf("\n%s\n", title);
	for (size_t i = 0; i < opt_table_len; i++)
		if (opt_table[i].status == st && (opt_table[i].flags & OPTF_LITE) == flags)
			usage_row(&opt_table[i]);
}

void opts_usage(const char *prog)
{
	printf("Usage: %s COMMAND [OPTIONS]\n"
	       "\n"
	       "Commands:\n"
	       "  check                 probe the kernel and print which write trackers work\n"
	       "  pre-dump              copy memory while the tree runs and start write tracking\n"
	       "  track-stop            end write tracking of the tree (-t): remove the tracker's\n"
	       "                            fds and registrations; no images are written\n"
	       "  dump                  checkpoint the process tree to images\n"
	       "  restore               rebuild a process tree from images\n"
	       "  page-server           receive pages over TCP into an images directory\n"
	       "  show FILE             print an image as text (--json for JSON)\n"
	       "\n"
	       "Options are criu's (docs/compat.md). Boolean ones also take --no-NAME. Options\n"
	       "are read from /etc/criu/default.conf, $HOME/.criu/default.conf, $CRIU_CONFIG_FILE\n"
	       "and --config FILE (one per line, without the dashes), then from the command "
	       "line.\n",
	       prog);
	usage_section("Options (criu's):", OPT_DOES, 0);
	usage_section("criu-lite's own options:", OPT_DOES, OPTF_LITE);
	usage_section("Accepted, no effect in criu-lite:", OPT_NOOP, 0);
	usage_section("Refused (not supported yet):", OPT_REFUSED, 0);
}
