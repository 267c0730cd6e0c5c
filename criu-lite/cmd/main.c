#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "log.h"
#include "options.h"

static const struct {
	const char *name;
	int (*fn)(const struct opts *o);
} commands[] = {
	{"check", cmd_check}, {"pre-dump", cmd_pre_dump}, {"track-stop", cmd_track_stop},
	{"dump", cmd_dump},   {"restore", cmd_restore},	  {"page-server", cmd_page_server},
	{"show", cmd_show},   {"swrk", cmd_swrk},	  {"service", cmd_service},
};

/* criu's commands that criu-lite does not have yet, and where they are planned. */
static const struct {
	const char *name, *plan;
} later[] = {
	{"lazy-pages", "restore --lazy-pages starts its own lazy-pages server"},
	{"dedup", "planned: image deduplication"},
	{"cpuinfo", "planned: cpuinfo image"},
	{"exec", "criu removed it too"},
};

/*
 * As with criu, a relative -o path lives in the work directory (-W), else in
 * the images directory (created 0700 here if it does not exist yet, as dump
 * would create it anyway).
 */
static const char *log_path(const struct opts *o, char *buf, size_t len)
{
	const char *dir = o->work_dir ? o->work_dir : o->images_dir;

	if (!o->log_file || o->log_file[0] == '/' || !strcmp(o->log_file, "-"))
		return o->log_file;
	if (!o->work_dir && (!strcmp(o->command, "show") || !strcmp(o->command, "check")))
		return o->log_file;
	if (mkdir(dir, 0700) && errno != EEXIST)
		return o->log_file;
	snprintf(buf, len, "%s/%s", dir, o->log_file);
	return buf;
}

/* A relative --pidfile lives in -W when it is given (criu works from there). */
static const char *pidfile_path(const struct opts *o, char *buf, size_t len)
{
	if (!o->pidfile || !o->work_dir || o->pidfile[0] == '/')
		return o->pidfile;
	snprintf(buf, len, "%s/%s", o->work_dir, o->pidfile);
	return buf;
}

/* -V: the criu version whose images and command line criu-lite follows, then its own. */
static void print_version(void)
{
	printf("Version: %s\n", CRL_CRIU_PEER);
	printf("criu-lite: %s (images and command line of criu %s; docs/compat.md)\n", CRL_VERSION,
	       CRL_CRIU_PEER);
}

static int run(const struct opts *o)
{
	size_t i;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(commands[i].name, o->command))
			return commands[i].fn(o);
	for (i = 0; i < sizeof(later) / sizeof(later[0]); i++) {
		if (strcmp(later[i].name, o->command))
			continue;
		pr_err("command '%s' is not supported yet (%s)", o->command, later[i].plan);
		return 1;
	}
	pr_err("unknown command '%s' (try --help)", o->command);
	return 1;
}

int main(int argc, char **argv)
{
	char logbuf[4096], pidbuf[4096];
	struct opts o;
	int ret;

	if (opts_parse(argc, argv, &o)) {
		opts_fini(&o);
		return 1;
	}
	if (o.version) {
		print_version();
		opts_fini(&o);
		return 0;
	}
	for (int i = 0; i < o.n_close; i++)
		close(o.close_fds[i]);
	o.pidfile = pidfile_path(&o, pidbuf, sizeof(pidbuf));
	if (log_init(o.verbosity, log_path(&o, logbuf, sizeof(logbuf)))) {
		opts_fini(&o);
		return 1;
	}
	ret = run(&o);
	log_fini();
	opts_fini(&o);
	return ret;
}
