#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"
#include "log.h"
#include "options.h"

static const struct {
	const char *name;
	int (*fn)(const struct opts *o);
} commands[] = {
	{ "check", cmd_check },
	{ "pre-dump", cmd_pre_dump },
	{ "track-stop", cmd_track_stop },
	{ "dump", cmd_dump },
	{ "restore", cmd_restore },
	{ "page-server", cmd_page_server },
	{ "show", cmd_show },
};

/*
 * As with criu, a relative -o path lives in the images directory (created
 * 0700 here if it does not exist yet, as dump would create it anyway).
 */
static const char *log_path(const struct opts *o, char *buf, size_t len)
{
	if (!o->log_file || o->log_file[0] == '/' || !strcmp(o->log_file, "-"))
		return o->log_file;
	if (!strcmp(o->command, "show") || !strcmp(o->command, "check"))
		return o->log_file;
	if (mkdir(o->images_dir, 0700) && errno != EEXIST)
		return o->log_file;
	snprintf(buf, len, "%s/%s", o->images_dir, o->log_file);
	return buf;
}

int main(int argc, char **argv)
{
	char logbuf[4096];
	struct opts o;
	size_t i;
	int ret;

	if (opts_parse(argc, argv, &o))
		return 1;
	if (log_init(o.verbosity, log_path(&o, logbuf, sizeof(logbuf))))
		return 1;
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(commands[i].name, o.command))
			continue;
		ret = commands[i].fn(&o);
		log_fini();
		return ret;
	}
	pr_err("unknown command '%s' (try --help)", o.command);
	log_fini();
	return 1;
}
