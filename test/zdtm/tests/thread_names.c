/*
 * Every thread keeps its own name (pthread_setname_np, PR_SET_NAME): the main
 * thread reads each one from /proc/self/task/TID/comm after restore.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "zdtmtst.h"

#define NR 3

struct th {
	pthread_t t;
	pid_t tid;
	char name[16];
};

static pthread_barrier_t ready, go;

static void *thread_fn(void *arg)
{
	struct th *th = arg;

	th->tid = gettid();
	if (prctl(PR_SET_NAME, th->name))
		fail("PR_SET_NAME '%s': %m", th->name);
	pthread_barrier_wait(&ready);
	pthread_barrier_wait(&go); /* the checkpoint happens while we wait here */
	return NULL;
}

static void check(pid_t tid, const char *want)
{
	char path[64], name[32] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/comm", tid);
	f = fopen(path, "r");
	if (!f || !fgets(name, sizeof(name), f))
		fail("%s: %m", path);
	if (f)
		fclose(f);
	name[strcspn(name, "\n")] = '\0';
	if (strcmp(name, want))
		fail("thread %d is named '%s', expected '%s'", tid, name, want);
}

int main(int argc, char **argv)
{
	struct th ths[NR];
	sigset_t term;

	test_init(argc, argv);
	if (prctl(PR_SET_NAME, "zdtm-main"))
		fail("PR_SET_NAME: %m");
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &term, NULL);
	pthread_barrier_init(&ready, NULL, NR + 1);
	pthread_barrier_init(&go, NULL, NR + 1);
	for (int i = 0; i < NR; i++) {
		snprintf(ths[i].name, sizeof(ths[i].name), "worker-%c%d", 'a' + i, i * 7);
		if (pthread_create(&ths[i].t, NULL, thread_fn, &ths[i]))
			test_skip("pthread_create: %m");
	}
	pthread_sigmask(SIG_UNBLOCK, &term, NULL);
	pthread_barrier_wait(&ready);
	test_daemon();
	test_waitsig();

	check(gettid(), "zdtm-main");
	for (int i = 0; i < NR; i++)
		check(ths[i].tid, ths[i].name);
	pthread_barrier_wait(&go);
	for (int i = 0; i < NR; i++)
		pthread_join(ths[i].t, NULL);
	return test_done();
}
