/*
 * criu's feature names for `check --feature NAME` and `check --extra`: each
 * answers whether criu-lite can use the feature here, not only whether the
 * kernel has it. A feature criu-lite does not implement answers "not
 * supported" and says what is planned (docs/compat.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check-features.h"
#include "netlock.h"
#include "tracker.h"
#include "uffd.h"

#ifndef PTRACE_O_SUSPEND_SECCOMP
#define PTRACE_O_SUSPEND_SECCOMP (1 << 21)
#endif
#ifndef PTRACE_GET_RSEQ_CONFIGURATION
#define PTRACE_GET_RSEQ_CONFIGURATION 0x420f
#endif

/* Each probe: 0 when criu-lite can use the feature, else -errno with @why filled. */
typedef int (*feature_probe)(char *why, size_t len);

/* Any tracker but none validated: pre-dump and incremental dumps work. */
static int probe_dirty_track(char *why, size_t len)
{
	if (tracker_any_validated())
		return 0;
	snprintf(why, len, "no write tracker validated on this kernel (criu-lite check says why)");
	return -EOPNOTSUPP;
}

/* /proc/self/status has NSpid (Linux 4.1). */
static int grep_file(const char *path, const char *needle)
{
	char buf[8192];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return strstr(buf, needle) ? 0 : -ENOENT;
}

static int probe_ns_pid(char *why, size_t len)
{
	if (!grep_file("/proc/self/status", "\nNSpid:"))
		return 0;
	snprintf(why, len, "/proc/PID/status has no NSpid line (before Linux 4.1)");
	return -EOPNOTSUPP;
}

static int probe_mnt_id(char *why, size_t len)
{
	if (!grep_file("/proc/self/fdinfo/0", "mnt_id:"))
		return 0;
	snprintf(why, len, "fdinfo has no mnt_id (or fd 0 is closed)");
	return -EOPNOTSUPP;
}

/* The dump reads a timerfd's settings from its fdinfo (Linux 3.17). */
static int probe_timerfd(char *why, size_t len)
{
	char path[64];
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC), ret;

	if (fd < 0) {
		snprintf(why, len, "timerfd_create: %s", strerror(errno));
		return -errno;
	}
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	ret = grep_file(path, "it_value:");
	close(fd);
	if (!ret)
		return 0;
	snprintf(why, len, "timerfd fdinfo has no settings (before Linux 3.17)");
	return -EOPNOTSUPP;
}

/*
 * clone3 with set_tid (Linux 5.5), which restore creates every task with:
 * set_tid_size 1 with no array is EINVAL where set_tid is known, E2BIG
 * (unknown fields) before, ENOSYS without clone3. Creates nothing.
 */
static int probe_clone3_set_tid(char *why, size_t len)
{
	unsigned long long args[10] = {0}; /* struct clone_args up to set_tid_size */
	long r;

	args[9] = 1; /* set_tid_size */
	r = syscall(SYS_clone3, args, sizeof(args));
	if (r < 0 && errno == EINVAL)
		return 0;
	if (r == 0)
		_exit(0); /* cannot happen: no kernel takes set_tid_size without set_tid */
	snprintf(why, len, "clone3 with set_tid: %s (needs Linux 5.5)", strerror(errno));
	return -EOPNOTSUPP;
}

/*
 * Restore writes a process's audit loginuid from inside it: a child of ours
 * writes back its own (inherited) value, which the kernel allows while it is
 * unset, or with CAP_AUDIT_CONTROL unless audit made it immutable.
 */
/* A root in its own cgroup namespace is restored (docs/containers.md). */
static int probe_cgroupns(char *why, size_t len)
{
	if (access("/proc/self/ns/cgroup", F_OK)) {
		snprintf(why, len, "no /proc/self/ns/cgroup (kernel without CONFIG_CGROUPS ns)");
		return -EOPNOTSUPP;
	}
	return 0;
}

static int probe_loginuid(char *why, size_t len)
{
	int status = 0;
	pid_t pid;

	if (access("/proc/self/loginuid", R_OK)) {
		snprintf(why, len, "no /proc/self/loginuid (kernel without CONFIG_AUDIT)");
		return -EOPNOTSUPP;
	}
	pid = fork();
	if (pid == 0) {
		char buf[32];
		int fd = open("/proc/self/loginuid", O_RDWR | O_CLOEXEC);
		ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf));

		_exit(n > 0 && pwrite(fd, buf, (size_t)n, 0) == n ? 0 : 1);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		snprintf(why, len,
			 "this kernel refuses to change the loginuid (set and immutable, "
			 "or no CAP_AUDIT_CONTROL)");
		return -EOPNOTSUPP;
	}
	return 0;
}

/*
 * Seizes a child of ours and asks @req of it: PTRACE_O_SUSPEND_SECCOMP (dump
 * seizes with it) or PTRACE_GET_RSEQ_CONFIGURATION (dump reads rseq with it).
 */
static int seize_probe(bool rseq, char *why, size_t len)
{
	unsigned long long conf[4];
	int status, ret = 0;
	pid_t pid = fork();

	if (pid < 0) {
		snprintf(why, len, "fork: %s", strerror(errno));
		return -errno;
	}
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;)
			pause();
	}
	if (ptrace(PTRACE_SEIZE, pid, 0, rseq ? 0 : PTRACE_O_SUSPEND_SECCOMP)) {
		ret = -errno;
		snprintf(why, len, "PTRACE_SEIZE%s: %s",
			 rseq ? "" : " with PTRACE_O_SUSPEND_SECCOMP", strerror(errno));
	} else if (rseq) {
		if (!ptrace(PTRACE_INTERRUPT, pid, 0, 0) && waitpid(pid, &status, __WALL) == pid &&
		    ptrace((enum __ptrace_request)PTRACE_GET_RSEQ_CONFIGURATION, pid, sizeof(conf),
			   conf) < 0) {
			ret = -errno;
			snprintf(why, len, "PTRACE_GET_RSEQ_CONFIGURATION: %s (needs Linux 5.13)",
				 strerror(errno));
		}
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, __WALL);
	return ret;
}

static int probe_seccomp_suspend(char *why, size_t len)
{
	return seize_probe(false, why, len);
}

static int probe_rseq_conf(char *why, size_t len)
{
	return seize_probe(true, why, len);
}

/* A real nftables lock made and removed in the tool's network namespace (libnftables). */
/* restore --lazy-pages: userfaultfd with the fork, remap, remove and unmap events. */
static int probe_uffd_lazy(char *why, size_t len)
{
	int fd = uffd_open(O_CLOEXEC | O_NONBLOCK), ret;

	if (fd < 0) {
		snprintf(why, len, "userfaultfd() fails: %s", strerror(-fd));
		return fd;
	}
	ret = uffd_api(fd, UFFD_LAZY_FEATURES, NULL);
	close(fd);
	if (ret)
		snprintf(why, len,
			 "userfaultfd lacks the non-cooperative events restore --lazy-pages "
			 "needs: %s",
			 strerror(-ret));
	return ret;
}

static int probe_nftables(char *why, size_t len)
{
	return netlock_probe(NF_LOCK_NFTABLES, why, len);
}

struct feature {
	const char *name;
	feature_probe probe; /* NULL: criu-lite lacks it, @lacks says what is planned */
	const char *lacks;
	bool extra; /* checked by --extra */
};

static const struct feature features[] = {
	{"mnt_id", probe_mnt_id, NULL, true},
	{"mem_dirty_track", probe_dirty_track, NULL, true},
	{"aio_remap", NULL, "AIO rings are refused at dump", false},
	{"timerfd", probe_timerfd, NULL, true},
	{"tun", NULL, "planned: namespaces (tun devices)", false},
	{"tun_ns", NULL, "planned: namespaces (tun devices)", false},
	{"userns", NULL, "planned: namespaces", false},
	{"fdinfo_lock", NULL, "file locks are read from fdinfo; not probed separately", false},
	{"seccomp_suspend", probe_seccomp_suspend, NULL, true},
	{"seccomp_filters", NULL, "not probed separately; dump reports a filter it cannot read",
	 false},
	{"loginuid", probe_loginuid, NULL, true},
	{"cgroupns", probe_cgroupns, NULL, true},
	{"autofs", NULL, "planned: mount namespaces", false},
	{"tcp_half_closed", NULL, "planned: TCP sockets", false},
	{"compat_cr", NULL, "criu-lite does not dump 32-bit (compat) tasks", false},
	{"uffd", probe_uffd_lazy, NULL, false},
	{"uffd-noncoop", probe_uffd_lazy, NULL, false},
	{"can_map_vdso", NULL, "restore keeps the vDSO of the restoring kernel; not probed", false},
	{"sk_ns", NULL, "planned: namespaces", false},
	{"sk_unix_file", NULL, "not probed separately", false},
	{"net_diag_raw", NULL, "raw sockets are refused at dump", false},
	{"nsid", NULL, "planned: namespaces", false},
	{"link_nsid", NULL, "planned: namespaces", false},
	{"kcmp_epoll", NULL, "not probed separately", false},
	{"timens", NULL, "planned: namespaces (time)", false},
	{"external_net_ns", NULL, "planned: namespaces", false},
	{"clone3_set_tid", probe_clone3_set_tid, NULL, true},
	{"newifindex", NULL, "planned: namespaces", false},
	{"nftables", probe_nftables, NULL, false},
	{"has_ipt_legacy", NULL,
	 "criu-lite runs iptables-restore, whichever backend the system's alternatives pick",
	 false},
	{"pidfd_store", NULL, "planned: RPC", false},
	{"ns_pid", probe_ns_pid, NULL, true},
	{"apparmor_stacking", NULL, "planned: LSM profiles", false},
	{"network_lock_nftables", probe_nftables, NULL, false},
	{"sockopt_buf_lock", NULL, "planned: TCP sockets", false},
	{"memfd_hugetlb", NULL, "not probed separately", false},
	{"move_mount_set_group", NULL, "planned: mount namespaces", false},
	{"openat2", NULL, "not probed separately", false},
	{"get_rseq_conf", probe_rseq_conf, NULL, true},
};

#define N_FEATURES (sizeof(features) / sizeof(features[0]))

/* Prints "NAME is supported" (0) or "NAME is not supported: why" (1). */
static int answer(const struct feature *f, bool quiet_ok)
{
	char why[256] = "";

	if (!f->probe) {
		printf("%s is not supported: %s\n", f->name, f->lacks);
		return 1;
	}
	if (f->probe(why, sizeof(why))) {
		printf("%s is not supported: %s\n", f->name, why);
		return 1;
	}
	if (!quiet_ok)
		printf("%s is supported\n", f->name);
	return 0;
}

int check_feature(const char *name)
{
	if (!strcmp(name, "list")) {
		for (size_t i = 0; i < N_FEATURES; i++)
			printf("%s%s", features[i].name, i + 1 < N_FEATURES ? " " : "\n");
		return 0;
	}
	for (size_t i = 0; i < N_FEATURES; i++)
		if (!strcmp(features[i].name, name))
			return answer(&features[i], false);
	fprintf(stderr, "Error: unknown feature '%s' (check --feature list names them)\n", name);
	return 1;
}

int check_extra_features(void)
{
	int missing = 0;

	for (size_t i = 0; i < N_FEATURES; i++)
		if (features[i].extra)
			missing |= answer(&features[i], false);
	return missing;
}
