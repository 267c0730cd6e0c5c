/*
 * Per-boot cache of tracker verdicts, so that each dump does not re-run the
 * self-tests. Keyed by kernel release, boot id and the self-test's version:
 * a reboot, a new kernel or a new test invalidates it. A text file:
 *
 *   key RELEASE BOOT_ID VERSION
 *   NAME AVAILABLE VALIDATED WHY...
 *
 * CRL_TRACKER_CACHE=PATH puts it elsewhere, CRL_TRACKER_CACHE=off disables it;
 * by default $XDG_RUNTIME_DIR/criu-lite/trackers.cache, else
 * /run/criu-lite/trackers.cache. A file not owned by us is ignored.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "log.h"
#include "proc-misc.h"
#include "tracker.h"

/* Bump when the self-test changes what it proves. */
#define TC_VERSION 4

static int tc_path(char *buf, size_t len)
{
	const char *env = getenv("CRL_TRACKER_CACHE"), *xdg = getenv("XDG_RUNTIME_DIR");

	if (env && !strcmp(env, "off"))
		return -ENOENT;
	if (env && *env)
		snprintf(buf, len, "%s", env);
	else if (xdg && *xdg)
		snprintf(buf, len, "%s/criu-lite/trackers.cache", xdg);
	else
		snprintf(buf, len, "/run/criu-lite/trackers.cache");
	return 0;
}

static void tc_key(char *buf, size_t len)
{
	char boot[64] = "unknown";
	struct utsname u;

	uname(&u);
	proc_read_boot_id(boot, sizeof(boot));
	snprintf(buf, len, "key %s %s %d", u.release, boot, TC_VERSION);
}

/* Finds @ops in the cache; 0 and *v filled, or -ENOENT. */
static int tc_lookup(const struct tracker_ops *ops, struct tracker_verdict *v)
{
	char path[4096], key[256], line[1024], name[32];
	int avail, valid, n, ret = -ENOENT;
	struct stat st;
	FILE *f;

	if (tc_path(path, sizeof(path)))
		return -ENOENT;
	f = fopen(path, "re");
	if (!f)
		return -ENOENT;
	tc_key(key, sizeof(key));
	if (fstat(fileno(f), &st) || st.st_uid != geteuid() || !fgets(line, sizeof(line), f) ||
	    strncmp(line, key, strlen(key)) || line[strlen(key)] != '\n')
		goto out;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line, "%31s %d %d %n", name, &avail, &valid, &n) != 3 ||
		    strcmp(name, ops->name))
			continue;
		memset(v, 0, sizeof(*v));
		v->available = avail;
		v->validated = valid;
		v->cached = true;
		snprintf(v->why, sizeof(v->why), "%s", line + n);
		ret = 0;
	}
out:
	fclose(f);
	return ret;
}

/* Rewrites the cache with @ops' verdict replaced. Failures only cost speed. */
static void tc_store(const struct tracker_ops *ops, const struct tracker_verdict *v)
{
	char path[4096], tmp[4200], key[256], line[1024], name[32], dir[4096];
	FILE *in, *out;
	int fd;

	if (tc_path(path, sizeof(path)))
		return;
	snprintf(dir, sizeof(dir), "%s", path);
	mkdir(dirname(dir), 0700);
	snprintf(tmp, sizeof(tmp), "%s.%d", path, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || !(out = fdopen(fd, "w"))) {
		if (fd >= 0)
			close(fd);
		pr_debug("tracker cache %s: %s", tmp, strerror(errno));
		return;
	}
	tc_key(key, sizeof(key));
	fprintf(out, "%s\n", key);
	in = fopen(path, "re");
	if (in && fgets(line, sizeof(line), in) && !strncmp(line, key, strlen(key))) {
		while (fgets(line, sizeof(line), in))
			if (sscanf(line, "%31s", name) == 1 && strcmp(name, ops->name))
				fputs(line, out);
	}
	if (in)
		fclose(in);
	fprintf(out, "%s %d %d %s\n", ops->name, v->available, v->validated, v->why);
	if (fclose(out) || rename(tmp, path)) {
		pr_debug("tracker cache %s: %s", path, strerror(errno));
		unlink(tmp);
	}
}

int tracker_verdict(const struct tracker_ops *ops, struct tracker_verdict *v)
{
	int ret;

	/*
	 * The probe always runs (it is cheap) and its failures are never cached:
	 * the cache knows the kernel, not this process, which a seccomp filter
	 * or a container may have deprived of an interface.
	 */
	memset(v, 0, sizeof(*v));
	if (ops->probe(v->why, sizeof(v->why)))
		return 0;
	if (tc_lookup(ops, v) == 0 && v->available)
		return 0;
	memset(v, 0, sizeof(*v));
	v->available = true;
	ret = tracker_validate_cases(ops, v);
	/* only verdicts are cached, not failures to run the test */
	if (ret == 0 || ret == -EOPNOTSUPP) {
		tc_store(ops, v);
		return 0;
	}
	return ret;
}

void tracker_cache_drop(void)
{
	char path[4096];

	if (!tc_path(path, sizeof(path)))
		unlink(path);
}

bool tracker_any_validated(void)
{
	struct tracker_verdict v;

	for (int i = 0; tracker_all[i]; i++) {
		if (!strcmp(tracker_all[i]->name, "none"))
			continue;
		memset(&v, 0, sizeof(v));
		if (!tracker_verdict(tracker_all[i], &v) && v.validated)
			return true;
	}
	return false;
}
