/*
 * Restore target: memory with a seeded pattern (anonymous, private file
 * mapping overlaid with writes), a regular file with an offset, a pipe with
 * buffered data, a second thread with its own counter and FPU value, and FPU
 * state in the main thread. Writes DIR/ready, then waits; on SIGTERM it checks
 * everything (also when DIR/check appears) and writes "PASS" or "FAIL: why" to DIR/result.
 *
 * usage: restore_basic DIR MIB [sepmap]
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static volatile sig_atomic_t stop;
static volatile uint64_t thread_counter;
static volatile double thread_fp = 1.0;
static char dir[512];
static pid_t pid0;

static uint64_t next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void fill(uint64_t *p, size_t n, uint64_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = next(&seed);
}

static size_t check(const uint64_t *p, size_t n, uint64_t seed)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != next(&seed))
			return i;
	return (size_t)-1;
}

static void *worker(void *arg)
{
	(void)arg;
	while (!stop) {
		thread_counter++;
		thread_fp = thread_fp * 1.0000001;
		usleep(1000);
	}
	return NULL;
}

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static void put(const char *name, const char *text)
{
	char path[600];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		exit(2);
	fputs(text, f);
	fclose(f);
}

static void fail(const char *why)
{
	char buf[300];

	snprintf(buf, sizeof(buf), "FAIL: %s\n", why);
	put("result", buf);
	exit(1);
}

int main(int argc, char **argv)
{
	size_t mib = argc > 2 ? strtoul(argv[2], NULL, 0) : 4, n = mib << 17, bad;
	char path[600], buf[64];
	uint64_t *mem, *fmap;
	int fd, mfd, p[2];
	pthread_t th;
	uint64_t c0;
	volatile double fp = 3.25;

	if (argc < 2)
		return 2;
	snprintf(dir, sizeof(dir), "%s", argv[1]);
	pid0 = getpid();
	signal(SIGTERM, on_term);
	mem = mmap(NULL, n * 8, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE,
		   -1, 0);
	if (mem == MAP_FAILED)
		return 2;
	fill(mem, n, 0x1234567);
	/* A file: data at an offset, and a private mapping of it with some written pages. */
	snprintf(path, sizeof(path), "%s/data", dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || ftruncate(fd, 65536))
		return 2;
	pwrite(fd, "hello world", 11, 0);
	/* "sepmap": map a copy that is not open as an fd, so only the mm needs it. */
	if (argc > 3 && !strcmp(argv[3], "sepmap")) {
		int cfd;

		snprintf(path, sizeof(path), "%s/map", dir);
		cfd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
		if (cfd < 0 || ftruncate(cfd, 65536) || pwrite(cfd, "hello world", 11, 0) != 11)
			return 2;
		close(cfd);
	}
	mfd = open(path, O_RDONLY);
	if (mfd < 0)
		return 2;
	lseek(fd, 5, SEEK_SET);
	fmap = mmap(NULL, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE, mfd, 0);
	if (fmap == MAP_FAILED)
		return 2;
	close(mfd);
	fill(fmap + 1024, 1024, 0x777); /* page 2 and 3 dirty, the rest file-backed */
	if (pipe(p) || write(p[1], "pipedata", 8) != 8)
		return 2;
	pthread_create(&th, NULL, worker, NULL);
	while (thread_counter < 3)
		usleep(1000);
	put("ready", "1\n");
	/* SIGTERM or DIR/check starts the checks (handlers may not be dumped). */
	snprintf(path, sizeof(path), "%s/check", dir);
	while (!stop && access(path, F_OK))
		fp = fp * 1.0, usleep(1000);
	/* Checks after restore. */
	if (getpid() != pid0)
		fail("pid changed");
	bad = check(mem, n, 0x1234567);
	if (bad != (size_t)-1) {
		snprintf(buf, sizeof(buf), "anon memory differs at word %zu", bad);
		fail(buf);
	}
	if (check(fmap + 1024, 1024, 0x777) != (size_t)-1)
		fail("private file pages differ");
	if (memcmp(fmap, "hello world", 11))
		fail("file-backed page differs");
	if (lseek(fd, 0, SEEK_CUR) != 5)
		fail("file offset differs");
	memset(buf, 0, sizeof(buf));
	if (read(p[0], buf, 8) != 8 || memcmp(buf, "pipedata", 8))
		fail("pipe data differs");
	if (fp != 3.25)
		fail("main thread FPU value differs");
	c0 = thread_counter;
	stop = 0;
	usleep(50000);
	if (thread_counter == c0)
		fail("second thread does not run");
	stop = 1;
	/* No pthread_join: it needs clear_child_tid, which dump does not record yet. */
	put("result", "PASS\n");
	return 0;
}
