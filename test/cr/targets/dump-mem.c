/*
 * Target for dump tests: memory of several kinds filled with known patterns,
 * threads, a pipe holding data, a regular file at an offset, optionally a
 * child and an unsupported fd. It checks all of it on SIGUSR1 (and keeps
 * running) or SIGTERM (and exits), writing "PASS" or "FAIL: what" to the
 * result file. "ready" is written to RESULT.ready once set up.
 *
 * usage: dump-mem RESULT [-m MIB] [-c] [-i] [-n]
 *   -m MIB  size of the big anonymous region (default 8)
 *   -c      fork a child that does the same checks (result RESULT.child)
 *   -i      also hold a fanotify fd marking a whole filesystem (unsupported by
 *           dump; needs root)
 *   -n      also hold a netlink socket with an unread answer (unsupported by dump)
 *   -u      also hold a unix datagram socketpair with a netlink socket holding an
 *           unread answer in flight (SCM_RIGHTS: a file in flight dump does not
 *           support)
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <linux/netlink.h>
#include <time.h>
#include <unistd.h>

#define PIPE_MSG "data buffered in a pipe across a dump"
#define FILE_OFF 123
#define NR_THREADS 3

static volatile sig_atomic_t got_sig;
static char result[4096];
static size_t psz, big_len;
static uint64_t *big;	 /* anonymous, every page patterned */
static uint64_t *sparse; /* anonymous, only every 4th page touched */
static uint64_t *hidden; /* PROT_NONE after filling */
static uint64_t *shared; /* MAP_SHARED|MAP_ANONYMOUS */
static char *filemap;	 /* private file mapping, one page COWed */
static int pipefd[2], regfd;
static volatile uint64_t thread_ticks[NR_THREADS];
static pid_t child;
static bool in_child; /* the pipe is the parent's to check */

static uint64_t pat(uint64_t salt, size_t i)
{
	return (i * 0x9e3779b97f4a7c15ULL) ^ salt;
}

static void fill(uint64_t *p, size_t bytes, uint64_t salt, size_t stride_pages)
{
	size_t words = psz / 8;

	for (size_t pg = 0; pg < bytes / psz; pg += stride_pages)
		for (size_t w = 0; w < words; w += 64)
			p[pg * words + w] = pat(salt, pg * words + w);
}

static const char *check_fill(const uint64_t *p, size_t bytes, uint64_t salt, size_t stride)
{
	size_t words = psz / 8;

	for (size_t pg = 0; pg < bytes / psz; pg++)
		for (size_t w = 0; w < words; w += 64) {
			uint64_t want = pg % stride ? 0 : pat(salt, pg * words + w);

			if (p[pg * words + w] != want)
				return "pattern mismatch";
		}
	return NULL;
}

static void *thread_fn(void *arg)
{
	size_t i = (size_t)arg;

	for (;;) {
		struct timespec ts = {0, 2000000};

		thread_ticks[i]++;
		nanosleep(&ts, NULL);
	}
	return NULL;
}

static const char *check_all(void)
{
	char buf[256];
	uint64_t before[NR_THREADS];
	struct timespec ts = {0, 50000000};
	ssize_t n;

	if (check_fill(big, big_len, 1, 1))
		return "big anonymous region differs";
	if (check_fill(sparse, 64 * psz, 2, 4))
		return "sparse region differs";
	if (mprotect(hidden, 4 * psz, PROT_READ))
		return "mprotect of hidden region";
	if (check_fill(hidden, 4 * psz, 3, 1))
		return "PROT_NONE region differs";
	mprotect(hidden, 4 * psz, PROT_NONE);
	if (check_fill(shared, 16 * psz, 4, 1))
		return "shared anonymous region differs";
	if (strcmp(filemap, "COWed private file page") || filemap[psz] != 'B')
		return "private file mapping differs";
	if (lseek(regfd, 0, SEEK_CUR) != FILE_OFF)
		return "regular file offset changed";
	for (int i = 0; i < NR_THREADS; i++)
		before[i] = thread_ticks[i];
	nanosleep(&ts, NULL);
	for (int i = 0; i < NR_THREADS; i++)
		if (thread_ticks[i] == before[i])
			return "a thread is not running";
	if (in_child)
		return NULL;
	n = read(pipefd[0], buf, sizeof(buf));
	if (n != (ssize_t)strlen(PIPE_MSG) || memcmp(buf, PIPE_MSG, (size_t)n))
		return "pipe data differs";
	/* Put it back for the next check. */
	if (write(pipefd[1], PIPE_MSG, strlen(PIPE_MSG)) < 0)
		return "pipe write";
	return NULL;
}

static void report(const char *path, const char *fail)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return;
	if (fail)
		fprintf(f, "FAIL: %s\n", fail);
	else
		fprintf(f, "PASS\n");
	fclose(f);
}

static void on_sig(int sig)
{
	got_sig = sig;
}

static void on_alarm(int sig)
{
}

/* Signal state for the dump to find: handlers, altstack, timers, pending signals. */
static int setup_signals(void)
{
	static char altstack[65536];
	struct itimerval it = {{1000, 0}, {1000, 0}};
	struct itimerspec its = {{2000, 0}, {2000, 0}};
	struct sigevent sev;
	stack_t ss = {.ss_sp = altstack, .ss_size = sizeof(altstack)};
	sigset_t set;
	timer_t tm;

	signal(SIGUSR1, on_sig);
	signal(SIGTERM, on_sig);
	signal(SIGALRM, on_alarm);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGRTMIN + 2);
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = SIGRTMIN + 2;
	if (sigaltstack(&ss, NULL) || sigprocmask(SIG_BLOCK, &set, NULL) ||
	    setitimer(ITIMER_REAL, &it, NULL) || timer_create(CLOCK_MONOTONIC, &sev, &tm) ||
	    timer_settime(tm, 0, &its, NULL))
		return -1;
	/* One signal pending for the main thread only, one for the process. */
	raise(SIGUSR2);
	return kill(getpid(), SIGRTMIN + 2);
}

static int setup_files(const char *res)
{
	char path[4200];
	int fd;

	if (pipe(pipefd) || fcntl(pipefd[0], F_SETFL, O_NONBLOCK) ||
	    write(pipefd[1], PIPE_MSG, strlen(PIPE_MSG)) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s.data", res);
	regfd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (regfd < 0 || ftruncate(regfd, 2 * psz) || lseek(regfd, FILE_OFF, SEEK_SET) < 0)
		return -1;
	pwrite(regfd, "A", 1, 0);
	pwrite(regfd, "B", 1, psz);
	fd = open(path, O_RDONLY);
	filemap = mmap(NULL, 2 * psz, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	close(fd);
	if (filemap == MAP_FAILED)
		return -1;
	strcpy(filemap, "COWed private file page");
	return 0;
}

static int setup_memory(void)
{
	big = mmap(NULL, big_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	sparse = mmap(NULL, 64 * psz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	hidden = mmap(NULL, 4 * psz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	shared = mmap(NULL, 16 * psz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (big == MAP_FAILED || sparse == MAP_FAILED || hidden == MAP_FAILED ||
	    shared == MAP_FAILED)
		return -1;
	fill(big, big_len, 1, 1);
	fill(sparse, 64 * psz, 2, 4);
	fill(hidden, 4 * psz, 3, 1);
	fill(shared, 16 * psz, 4, 1);
	return mprotect(hidden, 4 * psz, PROT_NONE);
}

static void loop(const char *res, bool is_child)
{
	for (;;) {
		struct timespec ts = {0, 10000000};

		nanosleep(&ts, NULL);
		if (!got_sig)
			continue;
		int sig = got_sig;

		got_sig = 0;
		if (child && !is_child)
			kill(child, sig);
		report(res, check_all());
		if (sig == SIGTERM) {
			if (child && !is_child)
				waitpid(child, NULL, 0);
			exit(0);
		}
	}
}

/* A NETLINK_ROUTE socket whose answer to RTM_GETLINK is never read. */
static int netlink_unread(void)
{
	struct {
		struct nlmsghdr h;
		unsigned char family, pad[15];
	} req = {{sizeof(req), 18 /* RTM_GETLINK */, NLM_F_REQUEST | NLM_F_DUMP, 1, 0}, 0, {0}};
	int sk = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);

	if (sk < 0 || send(sk, &req, sizeof(req), 0) != sizeof(req))
		return -1;
	usleep(10000);
	return sk;
}

int main(int argc, char **argv)
{
	bool want_child = false, want_inotify = false, want_netlink = false, want_unix = false;
	char ready[4200];
	pthread_t th;
	int opt;

	psz = (size_t)sysconf(_SC_PAGESIZE);
	big_len = 8u << 20;
	if (argc < 2)
		return 2;
	snprintf(result, sizeof(result), "%s", argv[1]);
	optind = 2;
	while ((opt = getopt(argc, argv, "m:cinu")) != -1) {
		if (opt == 'm')
			big_len = (size_t)atol(optarg) << 20;
		else if (opt == 'c')
			want_child = true;
		else if (opt == 'i')
			want_inotify = true;
		else if (opt == 'n')
			want_netlink = true;
		else if (opt == 'u')
			want_unix = true;
		else
			return 2;
	}
	if (setup_signals() || setup_memory() || setup_files(result)) {
		perror("setup");
		return 1;
	}
	if (want_inotify) {
		int fan = fanotify_init(FAN_CLASS_NOTIF, O_RDONLY);

		if (fan < 0 ||
		    fanotify_mark(fan, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, FAN_OPEN, AT_FDCWD, "/"))
			return 1;
	}
	if (want_netlink && netlink_unread() < 0)
		return 1;
	if (want_unix) {
		int sp[2], nl;

		union {
			char b[CMSG_SPACE(sizeof(int))];
			struct cmsghdr align;
		} ctl;
		struct iovec iov = {"q", 1};
		struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
		struct cmsghdr *c;

		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.b;
		mh.msg_controllen = sizeof(ctl.b);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		nl = netlink_unread();
		if (nl < 0 || socketpair(AF_UNIX, SOCK_DGRAM, 0, sp))
			return 1;
		memcpy(CMSG_DATA(c), &nl, sizeof(int));
		if (sendmsg(sp[0], &mh, 0) != 1)
			return 1;
		close(nl);
	}
	for (size_t i = 0; i < NR_THREADS; i++)
		if (pthread_create(&th, NULL, thread_fn, (void *)i))
			return 1;
	if (want_child) {
		child = fork();
		if (child == 0) {
			char res[4200];

			in_child = true;
			snprintf(res, sizeof(res), "%s.child", result);
			for (size_t i = 0; i < NR_THREADS; i++)
				pthread_create(&th, NULL, thread_fn, (void *)i);
			loop(res, true);
		}
	}
	snprintf(ready, sizeof(ready), "%s.ready", result);
	report(ready, NULL);
	loop(result, false);
	return 0;
}
