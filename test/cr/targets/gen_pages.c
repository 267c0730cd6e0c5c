/*
 * Target for chains whose pages differ from one image to the next: a process
 * and its child (R = 0, 1), each with MIB MiB of anonymous memory of its own
 * (sizes differ: not shared), every 8-byte word i holding hash(R, gen, i).
 * Each writes generation 1 and DIR/ready.1.R; then for each generation g =
 * 2, 3, ... waits for DIR/next.g, rewrites its whole area (the first half
 * only when DIR/half.g exists) with generation g and writes DIR/ready.g.R. On
 * DIR/go each checks every word against what it last wrote and writes
 * DIR/result.R: "PASS", or "CORRUPT at +OFF: got X want Y (generation G)".
 *
 * usage: gen_pages DIR MIB
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[512];

static int role;

static uint64_t word(uint64_t gen, uint64_t i)
{
	uint64_t x = (gen * 2 + (uint64_t)role) * 0x9e3779b97f4a7c15ull + i;

	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 29;
	return x | 1;
}

static int exists(const char *name, int n)
{
	char path[600];

	snprintf(path, sizeof(path), "%s/%s.%d", dir, name, n);
	return access(path, F_OK) == 0;
}

static void put(const char *name, const char *text)
{
	char path[600];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static int run(size_t n);

int main(int argc, char **argv)
{
	pid_t child;
	int st = 0, ret;

	if (argc < 3)
		return 2;
	snprintf(dir, sizeof(dir), "%s", argv[1]);
	child = fork();
	if (child < 0)
		return 1;
	role = child == 0;
	ret = run((((size_t)atol(argv[2]) << 20) + ((size_t)role << 16)) / 8);
	if (child > 0)
		waitpid(child, &st, 0);
	return ret;
}

static int run(size_t n)
{
	size_t half;
	uint64_t *m;
	uint8_t *gen; /* the generation of each word's page */
	char name[600], msg[200];
	int g = 1;

	half = n / 2;
	m = mmap(NULL, n * 8, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	gen = malloc(n / 512 + 1);
	if (m == MAP_FAILED || !gen)
		return 1;
	for (size_t i = 0; i < n; i++)
		m[i] = word(1, i);
	memset(gen, 1, n / 512 + 1);
	snprintf(name, sizeof(name), "ready.1.%d", role);
	put(name, "1\n");
	for (;;) {
		snprintf(name, sizeof(name), "%s/go", dir);
		if (access(name, F_OK) == 0)
			break;
		if (exists("next", g + 1)) {
			size_t end = exists("half", g + 1) ? half : n;

			g++;
			for (size_t i = 0; i < end; i++)
				m[i] = word((uint64_t)g, i);
			memset(gen, g, end / 512);
			snprintf(name, sizeof(name), "ready.%d.%d", g, role);
			put(name, "ok\n");
		}
		usleep(10000);
	}
	for (size_t i = 0; i < n; i++) {
		uint64_t want = word(gen[i / 512], i);

		if (m[i] == want)
			continue;
		snprintf(msg, sizeof(msg),
			 "CORRUPT at +0x%zx: got 0x%llx want 0x%llx (generation %d)\n", i * 8,
			 (unsigned long long)m[i], (unsigned long long)want, gen[i / 512]);
		snprintf(name, sizeof(name), "result.%d", role);
		put(name, msg);
		return 3;
	}
	snprintf(name, sizeof(name), "result.%d", role);
	put(name, "PASS\n");
	return 0;
}
