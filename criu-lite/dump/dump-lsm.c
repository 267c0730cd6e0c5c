/*
 * LSM labels: criu-lite does not dump or restore an AppArmor profile yet, so a
 * process confined by one is refused by name before any image is written
 * (a restore would bring it back unconfined). SELinux labels are not read.
 * Kernel fact: /proc/PID/attr/apparmor/current (Linux 5.8+) reads
 * "unconfined" for an unconfined task, "PROFILE (enforce|complain)" for a
 * confined one; the read fails (EINVAL, ENOENT) where AppArmor is not active.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "dump.h"
#include "log.h"

/* Whether @label (attr/apparmor/current) is AppArmor's unconfined. */
bool dump_lsm_unconfined(const char *label)
{
	size_t n = strcspn(label, "\n");

	return n == 0 || (n == 10 && !strncmp(label, "unconfined", 10));
}

int dump_lsm_check(const struct dump_task *t)
{
	char path[64], label[256];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/attr/apparmor/current", t->pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	/* none: no AppArmor (a kernel before 5.8 has only attr/current, maybe another LSM's) */
	if (fd < 0)
		return 0;
	n = read(fd, label, sizeof(label) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	label[n] = '\0';
	if (dump_lsm_unconfined(label))
		return 0;
	label[strcspn(label, "\n")] = '\0';
	pr_err("dump: pid %d is confined by the AppArmor profile '%s': LSM profiles are not "
	       "dumped yet; run it unconfined (runc: no process.apparmorProfile in config.json; "
	       "podman: --security-opt apparmor=unconfined)",
	       t->pid, label);
	return -EOPNOTSUPP;
}
