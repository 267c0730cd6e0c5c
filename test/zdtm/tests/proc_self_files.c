/*
 * Files under /proc of the tree itself: /proc/self/status and
 * /proc/PID/maps of the process, /proc/TID/comm of one of its threads,
 * /proc/CHILD/comm of its child, opened before the dump; after restore they
 * read the restored processes.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "zdtmtst.h"

static volatile pid_t thread_tid;

static void *thread_main(void *arg)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	prctl(PR_SET_NAME, "zdtm-thr");
	thread_tid = (pid_t)syscall(SYS_gettid);
	for (;;)
		pause();
	return arg;
}

static void read_all(int fd, char *buf, size_t len)
{
	ssize_t n = pread(fd, buf, len - 1, 0);

	buf[n < 0 ? 0 : n] = '\0';
}

int main(int argc, char **argv)
{
	static char buf[1 << 16];
	char path[64], want[64];
	int st_fd, maps_fd, comm_fd, thr_fd, st;
	pthread_t th;
	pid_t child;
	void *mark;

	test_init(argc, argv);
	child = fork();
	if (child == 0) {
		prctl(PR_SET_NAME, "zdtm-kid");
		test_waitsig();
		exit(0);
	}
	if (pthread_create(&th, NULL, thread_main, NULL))
		fail("pthread_create");
	while (!thread_tid)
		usleep(1000);
	snprintf(path, sizeof(path), "/proc/%d/comm", thread_tid);
	thr_fd = open(path, O_RDONLY);
	st_fd = open("/proc/self/status", O_RDONLY);
	snprintf(path, sizeof(path), "/proc/%d/maps", getpid());
	maps_fd = open(path, O_RDONLY);
	snprintf(path, sizeof(path), "/proc/%d/comm", child);
	comm_fd = open(path, O_RDONLY);
	if (st_fd < 0 || maps_fd < 0 || comm_fd < 0 || thr_fd < 0)
		fail("open /proc files: %m");
	test_daemon();
	test_waitsig();

	/* A mapping made after restore must show in the maps file opened before. */
	mark = mmap(NULL, 4096 * 7, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	snprintf(want, sizeof(want), "%lx-%lx", (unsigned long)mark,
		 (unsigned long)mark + 4096 * 7);
	read_all(maps_fd, buf, sizeof(buf));
	if (!strstr(buf, want))
		fail("maps fd does not show the new mapping %s: another process's", want);
	read_all(st_fd, buf, sizeof(buf));
	snprintf(want, sizeof(want), "\nPid:\t%d\n", getpid());
	if (!strstr(buf, want))
		fail("status fd is not of pid %d", getpid());
	read_all(comm_fd, buf, sizeof(buf));
	if (strcmp(buf, "zdtm-kid\n"))
		fail("child's comm fd reads '%s', expected 'zdtm-kid'", buf);
	read_all(thr_fd, buf, sizeof(buf));
	if (strcmp(buf, "zdtm-thr\n"))
		fail("thread's comm fd reads '%s', expected 'zdtm-thr'", buf);
	kill(child, SIGTERM);
	st = wait_child(child, 10000);
	if (st != 0)
		fail("child exit status 0x%x", st);
	return test_done();
}
