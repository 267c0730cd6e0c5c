/* zdtm test library: argument parsing, daemonizing, waiting, reporting. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <sys/mount.h>
#include <linux/futex.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/ioctl.h>
#include <net/if.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "zdtmtst.h"

#define MAX_ARGS 16

static struct {
	const char *pidfile;
	const char *outfile;
	char dir[PATH_MAX];
	const char *args[MAX_ARGS]; /* "--name=value" extras, without "--" */
	int nargs;
	int ready_fd;
	pid_t root;
	pid_t outer; /* the root's pid as the runner sees it, when in a new pid namespace */
	int failures;
} tst = {.ready_fd = -1};

/* Set by the SIGTERM handler; waited on with a futex so the wait needs no
 * signal mask juggling (the blocked mask stays the test's own). */
static volatile int sig_received;

static void usage(const char *prog)
{
	fprintf(stderr, "usage: %s --pidfile FILE --outfile FILE [--NAME=VALUE...]\n", prog);
	exit(2);
}

static void parse_args(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--pidfile") && i + 1 < argc)
			tst.pidfile = argv[++i];
		else if (!strncmp(a, "--pidfile=", 10))
			tst.pidfile = a + 10;
		else if (!strcmp(a, "--outfile") && i + 1 < argc)
			tst.outfile = argv[++i];
		else if (!strncmp(a, "--outfile=", 10))
			tst.outfile = a + 10;
		else if (!strncmp(a, "--", 2) && strchr(a, '=') && tst.nargs < MAX_ARGS)
			tst.args[tst.nargs++] = a + 2;
		else
			usage(argv[0]);
	}
	if (!tst.pidfile || !tst.outfile)
		usage(argv[0]);
}

static void set_dir(void)
{
	char *slash;

	if (tst.outfile[0] != '/') {
		if (!getcwd(tst.dir, sizeof(tst.dir)))
			exit(2);
		strncat(tst.dir, "/", sizeof(tst.dir) - strlen(tst.dir) - 1);
	}
	strncat(tst.dir, tst.outfile, sizeof(tst.dir) - strlen(tst.dir) - 1);
	slash = strrchr(tst.dir, '/');
	*slash = '\0';
	if (!tst.dir[0])
		strcpy(tst.dir, "/");
}

static void sigterm_handler(int sig)
{
	sig_received = 1;
	syscall(SYS_futex, &sig_received, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

/*
 * Parent side of daemonizing: the child closes the ready pipe once it wrote
 * the pidfile (or by dying). Exit 0 when the pidfile names the child, else
 * pass on the child's exit status (77 for a skip).
 */
static void __attribute__((noreturn)) wait_ready(pid_t child, int fd)
{
	char c, buf[32] = "";
	int st, pfd;

	while (read(fd, &c, 1) > 0)
		;
	pfd = open(tst.pidfile, O_RDONLY);
	if (pfd >= 0 && read(pfd, buf, sizeof(buf) - 1) > 0 && atoi(buf) == child)
		_exit(0);
	if (waitpid(child, &st, 0) < 0)
		_exit(1);
	_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 1);
}

/* Children of the test must not hold the ready pipe open. */
static void close_ready_in_child(void)
{
	if (tst.ready_fd >= 0)
		close(tst.ready_fd);
	tst.ready_fd = -1;
}

static void redirect_stdio(void)
{
	int out, null;

	out = open(tst.outfile, O_WRONLY | O_CREAT | O_APPEND, 0644);
	null = open("/dev/null", O_RDWR);
	if (out < 0 || null < 0) {
		perror("open outfile or /dev/null");
		exit(1);
	}
	dup2(null, 0);
	dup2(out, 1);
	dup2(out, 2);
	if (out > 2)
		close(out);
	if (null > 2)
		close(null);
	setvbuf(stdout, NULL, _IONBF, 0);
}

/*
 * The namespaces the test runs in, from --ns=LIST or $ZDTM_NS (the runner's
 * ns mode): "pid", "mnt", "uts", "ipc", "net", comma-separated (and "time",
 * ns_time()). CLONE_NEW* flags.
 */
static int ns_flags(void)
{
	static const struct {
		const char *name;
		int flag;
	} kinds[] = {{"pid", CLONE_NEWPID},
		     {"mnt", CLONE_NEWNS},
		     {"uts", CLONE_NEWUTS},
		     {"ipc", CLONE_NEWIPC},
		     {"net", CLONE_NEWNET}};
	const char *list = test_arg("ns", getenv("ZDTM_NS"));
	int flags = 0;

	for (size_t i = 0; list && i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strstr(list, kinds[i].name))
			flags |= kinds[i].flag;
	return flags;
}

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/*
 * "time" in the list: the test's root goes into a new time namespace with
 * CLOCK_MONOTONIC +1000 s and CLOCK_BOOTTIME +2000 s (clone() cannot take
 * CLONE_NEWTIME: the caller unshares it for its children first).
 */
static void ns_time(void)
{
	static const char off[] = "monotonic 1000 0\nboottime 2000 0\n";
	const char *list = test_arg("ns", getenv("ZDTM_NS"));
	int fd;

	if (!list || !strstr(list, "time"))
		return;
	if (unshare(CLONE_NEWTIME))
		test_skip("unshare(CLONE_NEWTIME): %m");
	fd = open("/proc/self/timens_offsets", O_WRONLY);
	if (fd < 0 || write(fd, off, sizeof(off) - 1) != (ssize_t)sizeof(off) - 1) {
		perror("timens_offsets");
		exit(1);
	}
	close(fd);
}

/* A new network namespace's lo, up (it starts down). */
static int lo_up(void)
{
	struct ifreq ifr = {0};
	int sk = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), ret;

	if (sk < 0)
		return -1;
	strcpy(ifr.ifr_name, "lo");
	ret = ioctl(sk, SIOCGIFFLAGS, &ifr);
	ifr.ifr_flags |= IFF_UP;
	if (!ret)
		ret = ioctl(sk, SIOCSIFFLAGS, &ifr);
	close(sk);
	return ret;
}

/*
 * fork(), or a clone into new namespaces: the test's root is then the init of
 * its pid namespace, with a private copy of the mount tree where /proc shows
 * that namespace. Its pid as the runner sees it goes into the pidfile.
 */
static pid_t ns_fork(void)
{
	int flags = ns_flags();
	char self[32] = {0};
	pid_t pid;

	ns_time();
	if (!flags)
		return fork();
	pid = (pid_t)syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, 0);
	if (pid != 0)
		return pid;
	if (readlink("/proc/self", self, sizeof(self) - 1) > 0)
		tst.outer = (pid_t)atoi(self);
	if ((flags & CLONE_NEWNET) && lo_up()) {
		perror("lo up");
		exit(1);
	}
	if ((flags & CLONE_NEWNS) && mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL)) {
		perror("mount --make-rprivate /");
		exit(1);
	}
	if ((flags & (CLONE_NEWNS | CLONE_NEWPID)) == (CLONE_NEWNS | CLONE_NEWPID) &&
	    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL)) {
		perror("mount proc");
		exit(1);
	}
	return 0;
}

void test_init(int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = sigterm_handler};
	int p[2];
	pid_t pid;

	parse_args(argc, argv);
	set_dir();
	if (pipe2(p, O_CLOEXEC)) {
		perror("pipe");
		exit(1);
	}
	pid = ns_fork();
	if (pid < 0) {
		perror("fork");
		exit(1);
	}
	if (pid > 0) {
		close(p[1]);
		wait_ready(pid, p[0]);
	}
	close(p[0]);
	tst.ready_fd = p[1];
	pthread_atfork(NULL, NULL, close_ready_in_child);
	setsid();
	redirect_stdio();
	tst.root = getpid();
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL)) {
		fail("sigaction(SIGTERM): %m");
		exit(1);
	}
}

void test_daemon(void)
{
	char tmp[PATH_MAX + 8], buf[32];
	int fd, n;

	snprintf(tmp, sizeof(tmp), "%s.tmp", tst.pidfile);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		fail("create pidfile '%s': %m", tmp);
		exit(1);
	}
	n = snprintf(buf, sizeof(buf), "%d\n", (int)(tst.outer ? tst.outer : getpid()));
	if (write(fd, buf, n) != n || close(fd) || rename(tmp, tst.pidfile)) {
		fail("write pidfile '%s': %m", tst.pidfile);
		exit(1);
	}
	/* EOF on the ready pipe tells the parent; the fd is gone before it exits. */
	close(tst.ready_fd);
	tst.ready_fd = -1;
}

void test_waitsig(void)
{
	while (!sig_received) {
		/* EINTR (signal, restore) and EAGAIN (flag changed) just loop. */
		syscall(SYS_futex, &sig_received, FUTEX_WAIT, 0, NULL, NULL, 0);
	}
}

int test_stop_requested(void)
{
	return sig_received;
}

const char *test_arg(const char *name, const char *def)
{
	size_t len = strlen(name);
	int i;

	for (i = 0; i < tst.nargs; i++)
		if (!strncmp(tst.args[i], name, len) && tst.args[i][len] == '=')
			return tst.args[i] + len + 1;
	return def;
}

long test_arg_long(const char *name, long def)
{
	const char *v = test_arg(name, NULL);

	return v ? strtol(v, NULL, 0) : def;
}

const char *test_path(const char *name)
{
	static char bufs[4][PATH_MAX];
	static int next;
	char *b = bufs[next++ % 4];

	if (strlen(tst.dir) + strlen(name) + 2 > PATH_MAX)
		return NULL;
	strcpy(b, tst.dir);
	strcat(b, "/");
	strcat(b, name);
	return b;
}

pid_t test_root_pid(void)
{
	return tst.root;
}

/* One write() per line so lines of several processes never interleave. */
static void out_line(const char *prefix, const char *fmt, va_list ap)
{
	char line[1024];
	int n = 0;

	if (prefix)
		n = snprintf(line, sizeof(line), "%s", prefix);
	if (getpid() != tst.root)
		n += snprintf(line + n, sizeof(line) - n, "[pid %d] ", (int)getpid());
	n += vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	if (n > (int)sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	if (write(1, line, n) < 0)
		return;
}

void test_msg(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	errno = saved;
	out_line(NULL, fmt, ap);
	va_end(ap);
}

void fail(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	tst.failures++;
	va_start(ap, fmt);
	errno = saved;
	out_line("FAIL: ", fmt, ap);
	va_end(ap);
}

void test_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	out_line("SKIP: ", fmt, ap);
	va_end(ap);
	exit(ZDTM_SKIP_EXIT);
}

void pass(void)
{
	if (write(1, "PASS\n", 5) < 0)
		return;
}

int test_failures(void)
{
	return tst.failures;
}

int test_done(void)
{
	if (tst.failures)
		return 1;
	pass();
	return 0;
}

int wait_child(pid_t pid, int timeout_ms)
{
	struct timespec ts = {0, 10 * 1000 * 1000};
	int st, i;

	for (i = 0; i <= timeout_ms / 10; i++) {
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid)
			return st;
		if (r < 0 && errno != EINTR)
			return -1;
		nanosleep(&ts, NULL);
	}
	return -1;
}

int test_tcp_loopback(int *l, int *c, struct sockaddr_in *a)
{
	socklen_t len = sizeof(*a);

	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	*l = socket(AF_INET, SOCK_STREAM, 0);
	*c = socket(AF_INET, SOCK_STREAM, 0);
	if (*l < 0 || *c < 0 || bind(*l, (struct sockaddr *)a, sizeof(*a)) || listen(*l, 1) ||
	    getsockname(*l, (struct sockaddr *)a, &len) ||
	    connect(*c, (struct sockaddr *)a, sizeof(*a)))
		return -1;
	return 0;
}
