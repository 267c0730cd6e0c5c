/*
 * Target for restore --lazy-pages kill tests: a process and its child, each
 * with MIB MiB of its own patterned memory (word i = hash(seed, i), the child
 * mapped after the fork: lazy in both). Writes DIR/ready (DIR/ready2 for the
 * child) and polls for
 * DIR/go; then each checks its memory from the end backwards (pages a lazy
 * server pushing from the start has not reached) and writes DIR/result.PID:
 * "PASS", or "CORRUPT at +OFF: got X want Y" and exits 3 on the first wrong
 * word. A process killed meanwhile writes nothing.
 *
 * usage: lazy_checker DIR MIB
 */
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[512];

static uint64_t word(uint64_t seed, uint64_t i)
{
	uint64_t x = seed * 0x9e3779b97f4a7c15ull + i;

	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 29;
	return x;
}

static void put(const char *name, const char *text)
{
	char path[600];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0) {
		if (write(fd, text, strlen(text)) < 0)
			perror("write");
		close(fd);
	}
}

static int run(size_t len, uint64_t seed)
{
	/* sizes differ: the same VMA in parent and child would be restored shared, eagerly */
	uint64_t *m = mmap(NULL, len + (seed << 16), PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	char path[600], name[64], msg[160];
	size_t n = len / 8;

	if (m == MAP_FAILED)
		return 1;
	for (size_t i = 0; i < n; i++)
		m[i] = word(seed, i);
	put(seed == 1 ? "ready" : "ready2", "ready\n");
	snprintf(path, sizeof(path), "%s/go", dir);
	while (access(path, F_OK))
		usleep(10000);
	snprintf(name, sizeof(name), "result.%d", getpid());
	for (size_t i = n; i-- > 0;) {
		if (m[i] == word(seed, i))
			continue;
		snprintf(msg, sizeof(msg), "CORRUPT at +0x%zx: got 0x%llx want 0x%llx\n", i * 8,
			 (unsigned long long)m[i], (unsigned long long)word(seed, i));
		put(name, msg);
		return 3;
	}
	put(name, "PASS\n");
	return 0;
}

int main(int argc, char **argv)
{
	size_t len;
	pid_t child;
	int st = 0, ret;

	if (argc < 3)
		return 2;
	snprintf(dir, sizeof(dir), "%s", argv[1]);
	len = (size_t)atol(argv[2]) << 20;
	child = fork();
	if (child == 0)
		return run(len, 2);
	ret = run(len, 1);
	waitpid(child, &st, 0);
	return ret;
}
