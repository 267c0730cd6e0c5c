/*
 * Seccomp target for test/cr/seccomp.sh. Writes RESULT.ready once set up,
 * then sleeps until killed.
 *
 *   seccomp_target RESULT chain   two filters (the second with
 *                                 SECCOMP_FILTER_FLAG_LOG) and a second thread
 *                                 with a third filter of its own
 *   seccomp_target RESULT notif   a filter returning SECCOMP_RET_USER_NOTIF
 *                                 (its listener closed at once)
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SECCOMP_FILTER_FLAG_NEW_LISTENER
#define SECCOMP_FILTER_FLAG_NEW_LISTENER 8
#endif
#ifndef SECCOMP_RET_USER_NOTIF
#define SECCOMP_RET_USER_NOTIF 0x7fc00000U
#endif

static pthread_barrier_t ready;

/* Syscall @nr gets @action; everything else is allowed. */
static long install(unsigned int nr, unsigned int action, unsigned int flags)
{
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, action),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {sizeof(code) / sizeof(code[0]), code};

	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
}

static void *worker(void *arg)
{
	(void)arg;
	if (install(SYS_getpriority, SECCOMP_RET_ERRNO | 33, 0))
		perror("thread filter");
	pthread_barrier_wait(&ready);
	for (;;)
		pause();
	return NULL;
}

static int mark_ready(const char *result)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s.ready", result);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, "1\n", 2) != 2)
		return 1;
	return close(fd);
}

int main(int argc, char **argv)
{
	pthread_t th;
	long fd;

	if (argc != 3)
		return 2;
	if (!strcmp(argv[2], "chain")) {
		if (install(SYS_sysinfo, SECCOMP_RET_ERRNO | 10, 0) ||
		    install(SYS_times, SECCOMP_RET_ERRNO | 55, SECCOMP_FILTER_FLAG_LOG))
			return 1;
		pthread_barrier_init(&ready, NULL, 2);
		if (pthread_create(&th, NULL, worker, NULL))
			return 1;
		pthread_barrier_wait(&ready);
	} else if (!strcmp(argv[2], "notif")) {
		fd = install(SYS_sysinfo, SECCOMP_RET_USER_NOTIF, SECCOMP_FILTER_FLAG_NEW_LISTENER);
		if (fd < 0)
			return 1;
		close((int)fd);
	} else {
		return 2;
	}
	if (mark_ready(argv[1]))
		return 1;
	for (;;)
		pause();
}
