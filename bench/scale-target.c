/*
 * Scaling target for scripts/bench-scale: a process with N of one thing.
 *
 *   scale-target DIR threads N   N threads besides the main one, each in pause()
 *   scale-target DIR procs N     N child processes, each in pause()
 *   scale-target DIR vmas N      N separate one-page anonymous mappings (alternate
 *                                protections keep them from merging), each written
 *   scale-target DIR fds N       N open descriptors (eventfds holding their index)
 *
 * Writes DIR/ready once set up. When DIR/check appears it counts what it
 * holds again (threads in /proc/self/task, children alive and still its own,
 * every mapping's word, every eventfd's value) and writes "PASS" or
 * "FAIL: what" to DIR/result, then exits (killing its children).
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

static char dir[512];
static long n;
static pid_t *kids;
static char **maps;
static int *fds;

static void put(const char *name, const char *text)
{
	char path[600], tmp[620];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return;
	fputs(text, f);
	fclose(f);
	rename(tmp, path);
}

static void *idle(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

static int setup_threads(void)
{
	pthread_attr_t a;
	pthread_t t;

	pthread_attr_init(&a);
	pthread_attr_setstacksize(&a, 64 << 10);
	for (long i = 0; i < n; i++)
		if (pthread_create(&t, &a, idle, NULL))
			return -1;
	return 0;
}

static int setup_procs(void)
{
	kids = calloc((size_t)n, sizeof(*kids));
	for (long i = 0; kids && i < n; i++) {
		kids[i] = fork();
		if (kids[i] < 0)
			return -1;
		if (kids[i] == 0)
			idle(NULL);
	}
	return kids ? 0 : -1;
}

static int setup_vmas(void)
{
	long pg = sysconf(_SC_PAGESIZE);
	/* One reservation, then a fixed mapping per page: neighbours differ in protection. */
	char *base = mmap(NULL, (size_t)(n * pg), PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	maps = calloc((size_t)n, sizeof(*maps));
	if (base == MAP_FAILED || !maps)
		return -1;
	for (long i = 0; i < n; i++) {
		maps[i] = mmap(base + i * pg, (size_t)pg, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		if (maps[i] == MAP_FAILED)
			return -1;
		*(long *)maps[i] = i * 7 + 1;
		if (i % 2 && mprotect(maps[i], (size_t)pg, PROT_READ))
			return -1;
	}
	return 0;
}

static int setup_fds(void)
{
	struct rlimit rl = {(rlim_t)n + 64, (rlim_t)n + 64};

	if (setrlimit(RLIMIT_NOFILE, &rl) && errno != EPERM)
		return -1;
	fds = calloc((size_t)n, sizeof(*fds));
	for (long i = 0; fds && i < n; i++) {
		fds[i] = eventfd((unsigned int)i + 1, EFD_NONBLOCK);
		if (fds[i] < 0)
			return -1;
	}
	return fds ? 0 : -1;
}

static long count_threads(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *de;
	long c = 0;

	while (d && (de = readdir(d)))
		c += de->d_name[0] != '.';
	if (d)
		closedir(d);
	return c;
}

static void check(const char *kind, char *why, size_t len)
{
	*why = 0;
	if (!strcmp(kind, "threads") && count_threads() != n + 1)
		snprintf(why, len, "FAIL: %ld threads, expected %ld", count_threads(), n + 1);
	for (long i = 0; !*why && kids && i < n; i++)
		if (kill(kids[i], 0) || getpgid(kids[i]) < 0)
			snprintf(why, len, "FAIL: child %d is gone", (int)kids[i]);
	for (long i = 0; !*why && maps && i < n; i++)
		if (*(long *)maps[i] != i * 7 + 1)
			snprintf(why, len, "FAIL: mapping %ld holds %ld", i, *(long *)maps[i]);
	for (long i = 0; !*why && fds && i < n; i++) {
		uint64_t v = 0;

		if (read(fds[i], &v, sizeof(v)) != sizeof(v) || v != (uint64_t)i + 1)
			snprintf(why, len, "FAIL: eventfd %d reads %llu", fds[i],
				 (unsigned long long)v);
	}
	if (!*why)
		snprintf(why, len, "PASS");
}

int main(int argc, char **argv)
{
	char path[600], why[256];
	int ret = -1;

	if (argc != 4) {
		fprintf(stderr, "usage: %s DIR threads|procs|vmas|fds N\n", argv[0]);
		return 2;
	}
	snprintf(dir, sizeof(dir), "%s", argv[1]);
	n = atol(argv[3]);
	if (!strcmp(argv[2], "threads"))
		ret = setup_threads();
	else if (!strcmp(argv[2], "procs"))
		ret = setup_procs();
	else if (!strcmp(argv[2], "vmas"))
		ret = setup_vmas();
	else if (!strcmp(argv[2], "fds"))
		ret = setup_fds();
	if (ret) {
		fprintf(stderr, "scale-target: %s %ld: %s\n", argv[2], n, strerror(errno));
		return 1;
	}
	put("ready", "1\n");
	snprintf(path, sizeof(path), "%s/check", dir);
	while (access(path, F_OK))
		usleep(20000);
	check(argv[2], why, sizeof(why));
	put("result", why);
	for (long i = 0; kids && i < n; i++)
		kill(kids[i], SIGKILL);
	return 0;
}
