/*
 * What runc's requests rely on, below the RPC layer: --inherit-fd values
 * (options.c), a config file applied over options already set (RPC's
 * config_file), and the AppArmor label test of the dump (dump-lsm.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dump.h"
#include "log.h"
#include "options.h"
#include "tap.h"

static void inherit(void)
{
	struct opts o;

	memset(&o, 0, sizeof(o));
	ok(!opts_add_inherit(&o, "fd[1]:pipe:[754736]") && o.n_inherit == 1 &&
		   o.inherit[0].fd == 1 && !strcmp(o.inherit[0].key, "pipe:[754736]"),
	   "fd[1]:pipe:[754736] is fd 1 for key pipe:[754736]");
	ok(!opts_add_inherit(&o, "fd[12]:tmp/log") && o.n_inherit == 2 && o.inherit[1].fd == 12 &&
		   !strcmp(o.inherit[1].key, "tmp/log"),
	   "fd[12]:tmp/log: a file key");
	ok(opts_add_inherit(&o, "1:pipe:[1]") && o.n_inherit == 2, "no fd[ refused");
	ok(opts_add_inherit(&o, "fd[x]:k") && opts_add_inherit(&o, "fd[1]:") &&
		   opts_add_inherit(&o, "fd[-1]:k") && opts_add_inherit(&o, "fd[1]k"),
	   "bad numbers, an empty key or no ]: refused");
	for (int i = o.n_inherit; i < OPTS_MAX_INHERIT; i++)
		opts_add_inherit(&o, "fd[3]:k");
	ok(opts_add_inherit(&o, "fd[3]:k") && o.n_inherit == OPTS_MAX_INHERIT,
	   "more than %d refused", OPTS_MAX_INHERIT);
}

static void config_over(void)
{
	char path[] = "/tmp/crl-unit-runc-conf-XXXXXX";
	struct opts o;
	int fd = mkstemp(path), ret;
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;

	memset(&o, 0, sizeof(o));
	o.status_fd = -1;
	if (!f) {
		skip("cannot make a temporary file");
		return;
	}
	fputs("# runc.conf\nshell-job\nleave-running\nlog-file=mine.log\n", f);
	fclose(f);
	o.log_file = "dump.log";
	ret = opts_apply_config(&o, path);
	ok(!ret && o.shell_job && o.leave_running && !strcmp(o.log_file, "mine.log"),
	   "a config file is applied over options already set");
	opts_fini(&o);
	unlink(path);
	ok(!opts_apply_config(&o, path), "a missing config file is skipped");
	f = fopen(path, "w");
	if (f) {
		fputs("auto-dedup\n", f);
		fclose(f);
		ok(opts_apply_config(&o, path) == -EINVAL, "a refused option in it fails");
		unlink(path);
	}
	opts_fini(&o);
}

static void lsm(void)
{
	ok(dump_lsm_unconfined("unconfined\n") && dump_lsm_unconfined("unconfined") &&
		   dump_lsm_unconfined(""),
	   "unconfined (and an empty label) pass");
	ok(!dump_lsm_unconfined("docker-default (enforce)\n") &&
		   !dump_lsm_unconfined("unconfined-ish\n") &&
		   !dump_lsm_unconfined("runc-profile (complain)\n"),
	   "a profile in enforce or complain mode is confined");
}

int main(void)
{
	log_init(LOG_ERROR, "/dev/null");
	inherit();
	config_over();
	lsm();
	return tap_done();
}
