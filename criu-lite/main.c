#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "log.h"
#include "options.h"

static const struct {
	const char *name;
	int (*fn)(const struct opts *o);
} commands[] = {
	{ "check", cmd_check },
	{ "pre-dump", cmd_pre_dump },
	{ "dump", cmd_dump },
	{ "restore", cmd_restore },
	{ "page-server", cmd_page_server },
	{ "show", cmd_show },
};

int main(int argc, char **argv)
{
	struct opts o;
	size_t i;
	int ret;

	if (opts_parse(argc, argv, &o))
		return 1;
	if (log_init(o.verbosity, o.log_file))
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
