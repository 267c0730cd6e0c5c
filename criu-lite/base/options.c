#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "options.h"

enum {
	OPT_PREV_IMAGES_DIR = 1000,
	OPT_TRACK_MEM,
	OPT_PIDFILE,
	OPT_SHELL_JOB,
	OPT_PAGE_SERVER,
	OPT_ADDRESS,
	OPT_PORT,
	OPT_TRACKER,
	OPT_DAEMON,
	OPT_STATUS_FD,
	OPT_JSON,
	OPT_EXT_UNIX_SK,
	OPT_TCP_ESTABLISHED,
	OPT_LEAVE_STOPPED,
	OPT_STAGED,
	OPT_ALLOW_UNSAFE_IMAGES_DIR,
	OPT_TRUST_IMAGES,
	OPT_UNPRIVILEGED,
};

static const struct option long_opts[] = {
	{ "tree", required_argument, NULL, 't' },
	{ "images-dir", required_argument, NULL, 'D' },
	{ "prev-images-dir", required_argument, NULL, OPT_PREV_IMAGES_DIR },
	{ "track-mem", no_argument, NULL, OPT_TRACK_MEM },
	{ "leave-running", no_argument, NULL, 'R' },
	{ "leave-stopped", no_argument, NULL, OPT_LEAVE_STOPPED },
	{ "staged", no_argument, NULL, OPT_STAGED },
	{ "unprivileged", no_argument, NULL, OPT_UNPRIVILEGED },
	{ "restore-detached", no_argument, NULL, 'd' },
	{ "pidfile", required_argument, NULL, OPT_PIDFILE },
	{ "log-file", required_argument, NULL, 'o' },
	{ "verbosity", optional_argument, NULL, 'v' },
	{ "shell-job", no_argument, NULL, OPT_SHELL_JOB },
	{ "page-server", no_argument, NULL, OPT_PAGE_SERVER },
	{ "address", required_argument, NULL, OPT_ADDRESS },
	{ "port", required_argument, NULL, OPT_PORT },
	{ "tracker", required_argument, NULL, OPT_TRACKER },
	{ "daemon", no_argument, NULL, OPT_DAEMON },
	{ "status-fd", required_argument, NULL, OPT_STATUS_FD },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "file", required_argument, NULL, 'f' },
	{ "ext-unix-sk", no_argument, NULL, OPT_EXT_UNIX_SK },
	{ "tcp-established", no_argument, NULL, OPT_TCP_ESTABLISHED },
	{ "allow-unsafe-images-dir", no_argument, NULL, OPT_ALLOW_UNSAFE_IMAGES_DIR },
	{ "trust-images", no_argument, NULL, OPT_TRUST_IMAGES },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void opts_usage(const char *prog)
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
	       "Options (criu-compatible):\n"
	       "  -t, --tree PID            root of the process tree to checkpoint\n"
	       "  -D, --images-dir DIR      images directory (default: current directory)\n"
	       "      --prev-images-dir DIR parent images, relative to -D\n"
	       "      --track-mem           keep tracking writes for a later incremental dump\n"
	       "  -R, --leave-running       resume the tree after dump\n"
	       "      --leave-stopped       after dump, leave the tree stopped (SIGSTOP) instead\n"
	       "                            of killing it; SIGCONT resumes it\n"
	       "  -d, --restore-detached    return once the restored tree runs\n"
	       "      --pidfile FILE        write the restored root's pid (page-server: its own)\n"
	       "      --staged              restore: read 'stage DIR' and 'restore DIR' lines on\n"
	       "                            stdin; build the memory of each pre-dump ahead\n"
	       "  -o, --log-file FILE       write the log to FILE\n"
	       "  -v[N]                     more verbose (repeat), or set level N (1-4)\n"
	       "      --shell-job           the tree belongs to the calling shell's session\n"
	       "      --unprivileged        dump/restore: do not assume root; use only what\n"
	       "                            CAP_CHECKPOINT_RESTORE allows (own processes)\n"
	       "      --page-server         send memory to a page server (--address, --port)\n"
	       "      --address ADDR, --port PORT\n"
	       "      --tracker NAME        auto|soft-dirty|uffd-wp|digest|none (default auto)\n"
	       "      --daemon, --status-fd FD   page-server: background, readiness\n"
	       "      --json                show: print JSON\n"
	       "      --allow-unsafe-images-dir  dump, page-server: write into a -D owned by\n"
	       "                            another user or writable by others\n"
	       "      --trust-images        restore: accept images not written by root or\n"
	       "                            the caller (docs/security.md)\n",
	       prog);
}

static int parse_int(const char *s, const char *what, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		pr_err("invalid %s '%s'", what, s);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int parse_one(int c, const char *arg, struct opts *o)
{
	long v;

	switch (c) {
	case 't':
		if (parse_int(arg, "pid", 1, 0x7fffffff, &v))
			return -EINVAL;
		o->pid = (pid_t)v;
		return 0;
	case 'D':
		o->images_dir = arg;
		return 0;
	case OPT_PREV_IMAGES_DIR:
		o->prev_images_dir = arg;
		return 0;
	case OPT_TRACK_MEM:
		o->track_mem = true;
		return 0;
	case 'R':
		o->leave_running = true;
		return 0;
	case OPT_LEAVE_STOPPED:
		o->leave_stopped = true;
		return 0;
	case 'd':
		o->restore_detached = true;
		return 0;
	case OPT_PIDFILE:
		o->pidfile = arg;
		return 0;
	case 'o':
		o->log_file = arg;
		return 0;
	case 'v':
		if (!arg) {
			o->verbosity++;
			return 0;
		}
		/* -vvv arrives as arg "vv" */
		if (strspn(arg, "v") == strlen(arg)) {
			o->verbosity += 1 + (int)strlen(arg);
			return 0;
		}
		if (parse_int(arg, "verbosity", 0, 4, &v))
			return -EINVAL;
		o->verbosity = (int)v;
		return 0;
	case OPT_SHELL_JOB:
		o->shell_job = true;
		return 0;
	case OPT_PAGE_SERVER:
		o->page_server = true;
		return 0;
	case OPT_ADDRESS:
		o->address = arg;
		return 0;
	case OPT_PORT:
		if (parse_int(arg, "port", 1, 65535, &v))
			return -EINVAL;
		o->port = (int)v;
		return 0;
	case OPT_TRACKER:
		o->tracker = arg;
		return 0;
	case OPT_DAEMON:
		o->daemon = true;
		return 0;
	case OPT_STATUS_FD:
		if (parse_int(arg, "status fd", 0, 1 << 20, &v))
			return -EINVAL;
		o->status_fd = (int)v;
		return 0;
	case OPT_JSON:
		o->json = true;
		return 0;
	case 'f':
		o->show_file = arg;
		return 0;
	case OPT_EXT_UNIX_SK:
		o->ext_unix_sk = true;
		return 0;
	case OPT_TCP_ESTABLISHED:
		o->tcp_established = true;
		return 0;
	case OPT_STAGED:
		o->staged = true;
		return 0;
	case OPT_ALLOW_UNSAFE_IMAGES_DIR:
		o->allow_unsafe_images_dir = true;
		return 0;
	case OPT_TRUST_IMAGES:
		o->trust_images = true;
		return 0;
	case OPT_UNPRIVILEGED:
		o->unprivileged = true;
		return 0;
	}
	return -EINVAL;
}

int opts_parse(int argc, char **argv, struct opts *o)
{
	int c;

	memset(o, 0, sizeof(*o));
	o->images_dir = ".";
	o->verbosity = LOG_WARN;
	o->status_fd = -1;
	o->tracker = "auto";

	optind = 1;
	opterr = 1;
	while ((c = getopt_long(argc, argv, "t:D:Rdo:v::f:hj", long_opts, NULL)) != -1) {
		if (c == 'h') {
			opts_usage(argv[0]);
			exit(0);
		}
		if (c == 'j') {
			o->shell_job = true;
			continue;
		}
		if (c == '?' || parse_one(c, optarg, o))
			return -EINVAL;
	}
	if (optind < argc)
		o->command = argv[optind++];
	if (o->command && !strcmp(o->command, "show") && !o->show_file && optind < argc)
		o->show_file = argv[optind++];
	if (optind < argc) {
		pr_err("unexpected argument '%s'", argv[optind]);
		return -EINVAL;
	}
	if (!o->command) {
		pr_err("no command given (try --help)");
		return -EINVAL;
	}
	if (o->leave_running && o->leave_stopped) {
		pr_err("--leave-running and --leave-stopped exclude each other");
		return -EINVAL;
	}
	if (o->verbosity > LOG_DEBUG)
		o->verbosity = LOG_DEBUG;
	return 0;
}
