/*
 * Options as criu takes them: config files first (/etc/criu/default.conf,
 * $HOME/.criu/default.conf, $CRIU_CONFIG_FILE, --config FILE), then argv,
 * each later source overriding the earlier ones. What each option does is
 * options-table.c; a refused option stops here with one line.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "config.h"
#include "log.h"
#include "options-table.h"
#include "options.h"

#define VAL_BASE 1000 /* getopt value of opt_table[i]: VAL_BASE + i */
#define VAL_NEG 3000  /* ... and of its --no- form: VAL_NEG + i */
#define DEFAULT_GHOST_LIMIT (1ull << 30)

/* Where an option came from, for messages: "" or "config 'F' line N: ". */
struct opt_src {
	char where[512];
};

struct opt_parser {
	struct option longs[2 * 128 + 1];
	char shorts[128];
	char names[128][64]; /* "no-NAME" strings */
};

static void src_set(struct opt_src *s, const char *path, unsigned int line)
{
	if (path)
		snprintf(s->where, sizeof(s->where), "config '%s' line %u: ", path, line);
	else
		s->where[0] = '\0';
}

/* Built once from the const table (first opts_parse), read-only after. */
static struct opt_parser opt_parser_main;

static void parser_init(struct opt_parser *p)
{
	size_t n = 0, k = 0;
	char *sp = p->shorts;

	*sp++ = ':'; /* ':' for a missing argument, '?' for the rest */
	for (size_t i = 0; i < opt_table_len; i++) {
		const struct opt_desc *d = &opt_table[i];

		p->longs[n++] = (struct option){d->name, d->has_arg, NULL, VAL_BASE + (int)i};
		if (d->flags & OPTF_BOOL) {
			snprintf(p->names[k], sizeof(p->names[k]), "no-%s", d->name);
			p->longs[n++] =
				(struct option){p->names[k++], no_argument, NULL, VAL_NEG + (int)i};
		}
		if (d->short_name) {
			*sp++ = d->short_name;
			if (d->has_arg != no_argument)
				*sp++ = ':';
			if (d->has_arg == optional_argument)
				*sp++ = ':';
		}
	}
	*sp = '\0';
	p->longs[n] = (struct option){NULL, 0, NULL, 0};
}

static const struct opt_desc *desc_of(int c, bool *neg)
{
	*neg = false;
	if (c >= VAL_NEG && c < VAL_NEG + (int)opt_table_len) {
		*neg = true;
		return &opt_table[c - VAL_NEG];
	}
	if (c >= VAL_BASE && c < VAL_BASE + (int)opt_table_len)
		return &opt_table[c - VAL_BASE];
	for (size_t i = 0; i < opt_table_len; i++)
		if (opt_table[i].short_name && opt_table[i].short_name == c)
			return &opt_table[i];
	return NULL;
}

static int bad(const struct opt_src *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Logs "@s->where: @fmt..." as the one error line; returns -EINVAL. */
static int bad(const struct opt_src *s, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pr_err("%s%s", s->where, msg);
	return -EINVAL;
}

static int parse_long(const struct opt_src *s, const char *arg, const char *what, long min,
		      long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < min || v > max)
		return bad(s, "invalid %s '%s'", what, arg);
	*out = v;
	return 0;
}

/* criu's --inherit-fd value: "fd[N]:KEY". */
static int inherit_parse(const struct opt_src *s, const char *arg, struct opts *o)
{
	const char *key;
	char *end;
	long fd;

	if (strncmp(arg, "fd[", 3))
		return bad(s, "invalid --inherit-fd '%s' (fd[N]:KEY)", arg);
	errno = 0;
	fd = strtol(arg + 3, &end, 10);
	if (errno || end == arg + 3 || fd < 0 || fd > (1 << 20) || strncmp(end, "]:", 2) || !end[2])
		return bad(s, "invalid --inherit-fd '%s' (fd[N]:KEY)", arg);
	key = end + 2;
	if (o->n_inherit >= OPTS_MAX_INHERIT)
		return bad(s, "more than %d --inherit-fd", OPTS_MAX_INHERIT);
	o->inherit[o->n_inherit].fd = (int)fd;
	o->inherit[o->n_inherit].key = key;
	o->n_inherit++;
	return 0;
}

static int parse_size(const struct opt_src *s, const char *arg, unsigned long long *out)
{
	unsigned long long v, mul = 1;
	char *end;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (*end == 'K' || *end == 'k')
		mul = 1ull << 10;
	else if (*end == 'M' || *end == 'm')
		mul = 1ull << 20;
	else if (*end == 'G' || *end == 'g')
		mul = 1ull << 30;
	if (mul > 1)
		end++;
	if (errno || end == arg || *end || arg[0] == '-' || v > (~0ull) / mul)
		return bad(s, "invalid --ghost-limit '%s' (bytes, or a number with K, M or G)",
			   arg);
	*out = v * mul;
	return 0;
}

static int parse_verbosity(const struct opt_src *s, const char *arg, struct opts *o)
{
	long v;

	if (!arg) {
		o->verbosity++;
		return 0;
	}
	if (strspn(arg, "v") == strlen(arg)) { /* -vvv arrives as -v with "vv" */
		o->verbosity += 1 + (int)strlen(arg);
		return 0;
	}
	if (!strncmp(arg, "erbosity", 8)) /* -verbosity=N: -v with "erbosity=N" */
		return bad(s, "'-v%s' is not an option: criu spells it --verbosity%s or -vN", arg,
			   arg + 8);
	if (parse_long(s, arg, "verbosity (0 to 4)", 0, 4, &v))
		return -EINVAL;
	o->verbosity = (int)v;
	return 0;
}

/* --cpu-cap: a comma list of fpu, ins, cpu, all, none, each maybe negated by '^'. */
static int parse_cpu_cap(const struct opt_src *s, const char *arg)
{
	static const char *const known[] = {"fpu", "ins", "cpu", "all", "none"};
	char buf[128], *tok, *save = NULL;
	bool neg, found;

	if (!arg)
		arg = "all";
	snprintf(buf, sizeof(buf), "%s", arg);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		for (neg = false; *tok == '^'; tok++)
			neg = !neg;
		found = false;
		for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			found |= !strcmp(tok, known[i]);
		if (!found)
			return bad(s,
				   "invalid --cpu-cap '%s' (fpu, ins, cpu, all, none; ^ negates)",
				   arg);
		if (!neg && strcmp(tok, "fpu") && strcmp(tok, "none"))
			return bad(s,
				   "--cpu-cap=%s is not supported yet (planned: cpuinfo image; "
				   "none and fpu are accepted)",
				   tok);
	}
	return 0;
}

/* An option whose value picks between what criu-lite does and what it refuses. */
static int parse_choice(const struct opt_src *s, const char *opt, const char *arg,
			const char *accepted, const char *refused, const char *plan)
{
	char list[128];
	size_t len = strlen(arg);
	const char *p;

	snprintf(list, sizeof(list), "|%s|", accepted);
	p = strstr(list, arg);
	if (len && p && p[-1] == '|' && p[len] == '|')
		return 0;
	snprintf(list, sizeof(list), "|%s|", refused);
	p = strstr(list, arg);
	if (len && p && p[-1] == '|' && p[len] == '|') {
		pr_err("%s--%s=%s is not supported yet (%s; %s is accepted)", s->where, opt, arg,
		       plan, accepted);
		return -EINVAL;
	}
	pr_err("%sinvalid --%s '%s' (one of %s|%s)", s->where, opt, arg, accepted, refused);
	return -EINVAL;
}

static int parse_veth(const struct opt_src *s, const char *in, const char *sep, const char *arg,
		      struct opts *o);

/* --external mnt[KEY]:VAL (@mnt false) or --ext-mount-map KEY:VAL (@mnt true). */
static int parse_ext_mnt(const struct opt_src *s, const char *arg, bool map, struct opts *o)
{
	const char *key = arg, *end;

	if (!map && !strncmp(arg, "veth[", 5))
		return parse_veth(s, arg + 5, "]:", arg, o);
	if (!map && strncmp(arg, "mnt[", 4))
		return bad(s,
			   "--external %s: only mnt[KEY]:VAL (an external mount) and "
			   "veth[IN]:OUT[@BRIDGE] are supported",
			   arg);
	if (!map) {
		key = arg + 4;
		end = strstr(key, "]:");
	} else {
		end = strchr(key, ':');
	}
	if (!end || end == key || !end[map ? 1 : 2])
		return bad(s, "%s %s: expected %s", map ? "--ext-mount-map" : "--external", arg,
			   map ? "KEY:VAL" : "mnt[KEY]:VAL");
	if (o->n_ext_mnt == OPTS_MAX_EXT_MNT)
		return bad(s, "more than %d external mounts", OPTS_MAX_EXT_MNT);
	o->ext_mnt[o->n_ext_mnt].key = key;
	o->ext_mnt[o->n_ext_mnt].key_len = (size_t)(end - key);
	o->ext_mnt[o->n_ext_mnt++].val = end + (map ? 1 : 2);
	return 0;
}

static int parse_cg_mode(const struct opt_src *s, const char *arg, struct opts *o)
{
	static const char *const names[] = {
		[OPTS_CG_IGNORE] = "ignore", [OPTS_CG_NONE] = "none", [OPTS_CG_PROPS] = "props",
		[OPTS_CG_SOFT] = "soft",     [OPTS_CG_FULL] = "full", [OPTS_CG_STRICT] = "strict",
	};

	if (!arg) { /* criu: the option alone means soft */
		o->manage_cgroups = OPTS_CG_SOFT;
		return 0;
	}
	for (size_t i = OPTS_CG_IGNORE; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(arg, names[i])) {
			o->manage_cgroups = (enum opts_cg_mode)i;
			return 0;
		}
	}
	pr_err("%sinvalid --manage-cgroups '%s' (one of none|props|soft|full|strict|ignore)",
	       s->where, arg);
	return -EINVAL;
}

/* [CTRL:]/PATH: the path must be absolute, the controller name not empty. */
static int parse_cg_root(const struct opt_src *s, const char *arg, struct opts *o)
{
	const char *colon = strchr(arg, ':');
	const char *path = colon ? colon + 1 : arg;

	if (path[0] != '/' || (colon && colon == arg))
		return bad(s, "invalid --cgroup-root '%s' ([CONTROLLER:]/PATH, the path absolute)",
			   arg);
	if (o->n_cg_roots == OPTS_MAX_CG_ROOTS)
		return bad(s, "more than %d --cgroup-root options", OPTS_MAX_CG_ROOTS);
	o->cg_roots[o->n_cg_roots++] = arg;
	return 0;
}

/*
 * A veth pair, IN SEP OUT[@BRIDGE] from @in (a part of @arg, which messages
 * name): --veth-pair IN=OUT[@BRIDGE] or --external veth[IN]:OUT[@BRIDGE].
 * Interface names, each shorter than IFNAMSIZ (16).
 */
static int parse_veth(const struct opt_src *s, const char *in, const char *sep, const char *arg,
		      struct opts *o)
{
	const char *eq = strstr(in, sep), *out = eq ? eq + strlen(sep) : NULL;
	const char *at = out ? strchr(out, '@') : NULL;
	struct opts_veth *v = &o->veth[o->n_veth];
	size_t lin = eq ? (size_t)(eq - in) : 0, lout = 0;

	if (out)
		lout = at ? (size_t)(at - out) : strlen(out);
	if (o->n_veth == OPTS_MAX_VETH)
		return bad(s, "more than %d veth pairs", OPTS_MAX_VETH);
	if (!lin || !lout || lin >= sizeof(v->in) || lout >= sizeof(v->out) ||
	    (at && (!at[1] || strlen(at + 1) >= sizeof(v->bridge))))
		return bad(s, "invalid veth pair '%s' (%s, names of 1-15 characters)", arg,
			   strcmp(sep, "=") ? "veth[IN]:OUT[@BRIDGE]" : "IN=OUT[@BRIDGE]");
	memset(v, 0, sizeof(*v));
	memcpy(v->in, in, lin);
	memcpy(v->out, out, lout);
	if (at)
		strcpy(v->bridge, at + 1);
	o->n_veth++;
	return 0;
}

static int parse_network_lock(const struct opt_src *s, const char *arg, struct opts *o)
{
	static const char *const names[] = {[OPTS_NETLOCK_IPTABLES] = "iptables",
					    [OPTS_NETLOCK_NFTABLES] = "nftables",
					    [OPTS_NETLOCK_SKIP] = "skip"};

	for (int i = OPTS_NETLOCK_IPTABLES; i <= OPTS_NETLOCK_SKIP; i++) {
		if (!strcmp(arg, names[i])) {
			o->network_lock = i;
			return 0;
		}
	}
	return bad(s, "invalid --network-lock '%s' (one of iptables|nftables|skip)", arg);
}

static int parse_one(const struct opt_src *s, enum opt_id id, const char *arg, bool neg,
		     struct opts *o)
{
	long v;

	switch (id) {
	case OI_TREE:
		if (parse_long(s, arg, "pid", 1, 0x7fffffff, &v))
			return -EINVAL;
		o->pid = (pid_t)v;
		return 0;
	case OI_IMAGES_DIR:
		o->images_dir = arg;
		return 0;
	case OI_WORK_DIR:
		o->work_dir = arg;
		return 0;
	case OI_PREV_IMAGES_DIR:
		o->prev_images_dir = arg;
		return 0;
	case OI_TRACK_MEM:
		o->track_mem = !neg;
		return 0;
	case OI_LEAVE_RUNNING:
		o->leave_running = true;
		return 0;
	case OI_LEAVE_STOPPED:
		o->leave_stopped = true;
		return 0;
	case OI_RESTORE_DETACHED:
	case OI_DAEMON: /* criu: one flag behind -d, --restore-detached and --daemon */
		o->restore_detached = o->daemon = !neg;
		return 0;
	case OI_PIDFILE:
		o->pidfile = arg;
		return 0;
	case OI_LOG_FILE:
		o->log_file = arg;
		return 0;
	case OI_VERBOSITY:
		return parse_verbosity(s, arg, o);
	case OI_SHELL_JOB:
		o->shell_job = !neg;
		return 0;
	case OI_PAGE_SERVER:
		o->page_server = !neg;
		return 0;
	case OI_ADDRESS:
		o->address = arg;
		return 0;
	case OI_PORT:
		if (parse_long(s, arg, "port", 1, 65535, &v))
			return -EINVAL;
		o->port = (int)v;
		return 0;
	case OI_STATUS_FD:
		if (parse_long(s, arg, "status fd", 0, 1 << 20, &v))
			return -EINVAL;
		o->status_fd = (int)v;
		return 0;
	case OI_EXT_UNIX_SK:
		o->ext_unix_sk = true;
		return 0;
	case OI_TCP_ESTABLISHED:
		o->tcp_established = !neg;
		return 0;
	case OI_UNPRIVILEGED:
		o->unprivileged = !neg;
		return 0;
	case OI_CONFIG:
	case OI_NO_DEFAULT_CONFIG:
		return 0; /* taken before any config file was read */
	case OI_TIMEOUT:
		if (parse_long(s, arg, "timeout (seconds)", 1, 86400, &v))
			return -EINVAL;
		o->timeout = (int)v;
		return 0;
	case OI_VERSION:
		o->version = true;
		return 0;
	case OI_HELP:
		return 0; /* taken before any config file was read */
	case OI_CLOSE:
		if (parse_long(s, arg, "--close fd", 0, 1 << 20, &v))
			return -EINVAL;
		if (o->n_close == OPTS_MAX_CLOSE)
			return bad(s, "more than %d --close options", OPTS_MAX_CLOSE);
		o->close_fds[o->n_close++] = (int)v;
		return 0;
	case OI_ACTION_SCRIPT:
		if (o->n_action_scripts == OPTS_MAX_SCRIPTS)
			return bad(s, "more than %d --action-script options", OPTS_MAX_SCRIPTS);
		o->action_scripts[o->n_action_scripts++] = arg;
		return 0;
	case OI_GHOST_LIMIT:
		return parse_size(s, arg, &o->ghost_limit);
	case OI_CPU_CAP:
		return parse_cpu_cap(s, arg);
	case OI_MANAGE_CGROUPS:
		return parse_cg_mode(s, arg, o);
	case OI_CGROUP_ROOT:
		return parse_cg_root(s, arg, o);
	case OI_FREEZE_CGROUP:
		o->freeze_cgroup = arg;
		return 0;
	case OI_NETWORK_LOCK:
		return parse_network_lock(s, arg, o);
	case OI_VETH_PAIR:
		return parse_veth(s, arg, "=", arg, o);
	case OI_EMPTY_NS:
		if (strcmp(arg, "net"))
			return bad(s, "invalid --empty-ns '%s' (only net is supported, as criu)",
				   arg);
		o->empty_ns |= OPTS_EMPTY_NS_NET;
		return 0;
	case OI_TCP_CLOSE:
		o->tcp_close = !neg;
		return 0;
	case OI_SKIP_IN_FLIGHT:
		o->skip_in_flight = !neg;
		return 0;
	case OI_PRE_DUMP_MODE:
		return parse_choice(s, "pre-dump-mode", arg, "splice|read", "", "");
	case OI_FILE_VALIDATION:
		return parse_choice(s, "file-validation", arg, "filesize", "buildid",
				    "criu-lite compares file sizes only");
	case OI_FEATURE:
		o->check_feature = arg;
		return 0;
	case OI_EXTRA:
		o->check_extra = !neg;
		return 0;
	case OI_EXPERIMENTAL:
		o->check_experimental = !neg;
		return 0;
	case OI_ALL:
		o->check_extra = o->check_experimental = true;
		return 0;
	case OI_TRACKER:
		o->tracker = arg;
		return 0;
	case OI_JSON:
		o->json = true;
		return 0;
	case OI_FILE:
		o->show_file = arg;
		return 0;
	case OI_ROOT:
		o->root = arg;
		return 0;
	case OI_EXTERNAL:
	case OI_EXT_MOUNT_MAP:
		return parse_ext_mnt(s, arg, id == OI_EXT_MOUNT_MAP, o);
	case OI_STAGED:
		o->staged = true;
		return 0;
	case OI_RESTORE_SIBLING:
		o->restore_sibling = !neg;
		return 0;
	case OI_INHERIT_FD:
		return inherit_parse(s, arg, o);
	case OI_LAZY_PAGES:
		o->lazy_pages = !neg;
		return 0;
	case OI_ALLOW_UNSAFE_IMAGES_DIR:
		o->allow_unsafe_images_dir = true;
		return 0;
	case OI_TRUST_IMAGES:
		o->trust_images = true;
		return 0;
	case OI_SKIP_FILE_SIZE_CHECK:
		o->skip_file_size_check = !neg;
		return 0;
	case OI_PAGE_CHECKSUMS:
		o->no_page_checksums = neg;
		return 0;
	case OI_NONE:
		break;
	}
	return -EINVAL;
}

static int apply(const struct opt_src *s, const struct opt_desc *d, bool neg, const char *arg,
		 struct opts *o)
{
	char alias[8] = "";
	bool planned;

	switch (d->status) {
	case OPT_DOES:
		return parse_one(s, d->id, arg, neg, o);
	case OPT_NOOP:
		return 0;
	case OPT_REFUSED:
		if (neg)
			return 0; /* --no-X asks for what criu-lite does anyway */
		if (d->short_name)
			snprintf(alias, sizeof(alias), " (-%c)", d->short_name);
		planned = !strncmp(d->text, "planned:", 8);
		pr_err("%s--%s%s is not supported%s (%s)", s->where, d->name, alias,
		       planned ? " yet" : "", d->text);
		return -EINVAL;
	}
	return -EINVAL;
}

/* getopt said '?' or ':' about @argv[optind - 1]: one line saying what is wrong. */
static int getopt_error(const struct opt_src *s, int c, char **argv)
{
	const char *word = argv[optind - 1];
	char name[80];
	bool neg;
	const struct opt_desc *d = optopt ? desc_of(optopt, &neg) : NULL;

	if (d)
		snprintf(name, sizeof(name), "--%s%s", neg ? "no-" : "", d->name);
	if (c == ':')
		return bad(s, "option '%s' needs a value", d ? name : word);
	if (d && optopt >= VAL_BASE)
		return bad(s, "option '%s' takes no value", name);
	if (optopt) {
		snprintf(name, sizeof(name), "-%c", optopt);
		return bad(s, "unknown option '%s' (criu-lite --help lists them)", name);
	}
	return bad(s, "unknown option '%s' (criu-lite --help lists them)", word);
}

/* Runs getopt over @argv from @argv[1]; stops at the first error. */
static int parse_argv(const struct opt_parser *p, const struct opt_src *s, int argc, char **argv,
		      struct opts *o)
{
	const struct opt_desc *d;
	bool neg;
	int c;

	optind = 0; /* glibc: start afresh, forget the last argv */
	opterr = 0;
	while ((c = getopt_long(argc, argv, p->shorts, p->longs, NULL)) != -1) {
		if (c == '?' || c == ':')
			return getopt_error(s, c, argv);
		d = desc_of(c, &neg);
		if (!d || apply(s, d, neg, optarg, o))
			return -EINVAL;
	}
	return 0;
}

/* Keeps @w (malloc'd) for as long as @o lives: options point into it. */
static int keep_word(struct opts *o, char *w)
{
	if (ARRAY_GROW(o->cfg_words, o->n_cfg_words)) {
		free(w);
		return -ENOMEM;
	}
	o->cfg_words[o->n_cfg_words++] = w;
	return 0;
}

static int apply_config(const struct opt_parser *p, const struct config *c, struct opts *o)
{
	struct opt_src s;
	char *argv[3], *word;
	int ret;

	for (size_t i = 0; i < c->n; i++) {
		const struct config_entry *e = &c->v[i];

		src_set(&s, c->path, e->line);
		if (e->value)
			ret = asprintf(&word, "--%s=%s", e->name, e->value);
		else
			ret = asprintf(&word, "--%s", e->name);
		if (ret < 0 || keep_word(o, word)) {
			pr_err("%sout of memory", s.where);
			return -ENOMEM;
		}
		argv[0] = (char *)"criu-lite";
		argv[1] = word;
		argv[2] = NULL;
		if (parse_argv(p, &s, 2, argv, o))
			return -EINVAL;
	}
	return 0;
}

/* Reads one config file and applies it; @must: a missing file is an error. */
static int read_config(const struct opt_parser *p, const char *path, const char *why, bool must,
		       struct opts *o)
{
	struct config c;
	char err[512];
	int ret;

	ret = config_read(path, &c, err, sizeof(err));
	/* a default file we cannot reach is skipped, as criu does (a user whose HOME is /root) */
	if (!must && (ret == -ENOENT || ret == -EACCES || ret == -EPERM || ret == -ENOTDIR))
		return 0;
	if (ret && !strncmp(err, "line ", 5))
		pr_err("config '%s' %s", path, err);
	else if (ret)
		pr_err("config '%s'%s: %s", path, why, err);
	if (ret)
		return ret;
	ret = apply_config(p, &c, o);
	config_fini(&c);
	return ret;
}

/*
 * Before any file is read (as criu does): --help anywhere prints the help,
 * --config FILE names the file and, like --no-default-config, turns the
 * default files off.
 */
static void prescan(int argc, char **argv, const char **cfg, bool *no_default)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			opts_usage(argv[0]);
			exit(0);
		}
		if (!strcmp(argv[i], "--no-default-config")) {
			*no_default = true;
		} else if (!strcmp(argv[i], "--config") && i + 1 < argc) {
			*cfg = argv[++i];
			*no_default = true;
		} else if (!strncmp(argv[i], "--config=", 9)) {
			*cfg = argv[i] + 9;
			*no_default = true;
		}
	}
}

static int read_configs(const struct opt_parser *p, int argc, char **argv, struct opts *o)
{
	const char *cfg = NULL, *home = getenv("HOME"), *env = getenv("CRIU_CONFIG_FILE");
	bool no_default = false;
	char path[4096];

	prescan(argc, argv, &cfg, &no_default);
	if (!no_default) {
		if (read_config(p, "/etc/criu/default.conf", "", false, o))
			return -EINVAL;
		if (home && home[0]) {
			snprintf(path, sizeof(path), "%s/.criu/default.conf", home);
			if (read_config(p, path, "", false, o))
				return -EINVAL;
		}
	}
	if (env && env[0] && read_config(p, env, " (CRIU_CONFIG_FILE)", true, o))
		return -EINVAL;
	if (cfg && read_config(p, cfg, " (--config)", true, o))
		return -EINVAL;
	return 0;
}

static int check_combination(struct opts *o)
{
	if (!o->command) {
		pr_err("no command given (try --help)");
		return -EINVAL;
	}
	if (o->leave_running && o->leave_stopped) {
		pr_err("--leave-running and --leave-stopped exclude each other");
		return -EINVAL;
	}
	if (o->leave_stopped && !strcmp(o->command, "restore")) {
		pr_err("restore --leave-stopped (-s) is not supported yet (planned: restore into a "
		       "stopped tree)");
		return -EINVAL;
	}
	if (o->lazy_pages && strcmp(o->command, "restore")) {
		pr_err("%s --lazy-pages is not supported yet (criu-lite serves lazy pages from "
		       "restore --lazy-pages; planned: dump for post-copy migration)",
		       o->command);
		return -EINVAL;
	}
	if (!strcmp(o->command, "restore") && o->page_server &&
	    (!o->lazy_pages || !o->address || o->port <= 0)) {
		pr_err("restore --page-server reads the pages from a page server on demand: it "
		       "needs --lazy-pages, --address and --port");
		return -EINVAL;
	}
	if (o->restore_sibling && !o->restore_detached && !strcmp(o->command, "restore")) {
		pr_err("restore --restore-sibling (-S) needs --restore-detached (-d): the root "
		       "is the caller's parent's child, not ours to wait for");
		return -EINVAL;
	}
	if (o->lazy_pages && o->staged) {
		pr_err("restore --lazy-pages and --staged exclude each other (staged memory is "
		       "already in place)");
		return -EINVAL;
	}
	if (o->verbosity > LOG_DEBUG)
		o->verbosity = LOG_DEBUG;
	return 0;
}

int opts_parse(int argc, char **argv, struct opts *o)
{
	struct opt_parser *const pp = &opt_parser_main;
	struct opt_src s;

	memset(o, 0, sizeof(*o));
	o->images_dir = ".";
	o->verbosity = LOG_WARN;
	o->status_fd = -1;
	o->tracker = "auto";
	o->ghost_limit = DEFAULT_GHOST_LIMIT;
	if (!pp->longs[0].name)
		parser_init(pp);

	if (read_configs(pp, argc, argv, o))
		return -EINVAL;
	src_set(&s, NULL, 0);
	if (parse_argv(pp, &s, argc, argv, o))
		return -EINVAL;
	if (o->version)
		return 0;
	if (optind < argc)
		o->command = argv[optind++];
	if (o->command && !strcmp(o->command, "show") && !o->show_file && optind < argc)
		o->show_file = argv[optind++];
	/* criu swrk FD: the socket the caller passed down */
	if (o->command && !strcmp(o->command, "swrk") && optind < argc)
		o->swrk_fd = argv[optind++];
	if (optind < argc) {
		pr_err("unexpected argument '%s'", argv[optind]);
		return -EINVAL;
	}
	return check_combination(o);
}

int opts_add_inherit(struct opts *o, const char *arg)
{
	struct opt_src s;

	src_set(&s, NULL, 0);
	return inherit_parse(&s, arg, o);
}

int opts_apply_config(struct opts *o, const char *path)
{
	if (!opt_parser_main.longs[0].name)
		parser_init(&opt_parser_main);
	return read_config(&opt_parser_main, path, "", false, o) ? -EINVAL : 0;
}

void opts_fini(struct opts *o)
{
	for (size_t i = 0; i < o->n_cfg_words; i++)
		free(o->cfg_words[i]);
	free(o->cfg_words);
	o->cfg_words = NULL;
	o->n_cfg_words = 0;
}
