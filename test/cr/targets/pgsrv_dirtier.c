/*
 * Migration target: MIB MiB of anonymous memory with a known pattern, and a
 * loop that dirties RATE MB/s of it (whole random pages: their first and last
 * words get a new generation, recorded in a side table that is itself part
 * of the process memory). Writes DIR/ready once filled; when DIR/check
 * appears (or on SIGTERM) it stops, verifies every word of every page and
 * writes "PASS" or "FAIL: what" to DIR/result, then exits.
 *
 * usage: pgsrv_dirtier DIR MIB RATE
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;
static char dir[512];

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t edge(size_t page, uint32_t gen)
{
	return (uint64_t)page << 32 | gen;
}

static uint64_t middle(size_t page, size_t word)
{
	return (page * 0x9e3779b97f4a7c15ull) ^ (word * 0xc2b2ae3d27d4eb4full);
}

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

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

int main(int argc, char **argv)
{
	size_t psz = (size_t)sysconf(_SC_PAGESIZE), words, npages, per_tick;
	uint64_t seed = 88172645463325252ull, *mem;
	uint32_t *gen;
	char path[600], buf[256];

	if (argc < 4)
		return 2;
	snprintf(dir, sizeof(dir), "%s", argv[1]);
	npages = (size_t)atol(argv[2]) * (1 << 20) / psz;
	words = psz / 8;
	/* pages dirtied every 10 ms */
	per_tick = (size_t)(atof(argv[3]) * (1 << 20) / (double)psz / 100 + 0.5);
	signal(SIGTERM, on_term);
	mem = mmap(NULL, npages * psz, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	gen = calloc(npages, sizeof(*gen));
	if (mem == MAP_FAILED || !gen)
		return 2;
	for (size_t p = 0; p < npages; p++) {
		uint64_t *w = mem + p * words;

		for (size_t j = 1; j + 1 < words; j++)
			w[j] = middle(p, j);
		w[0] = w[words - 1] = edge(p, 0);
	}
	put("ready", "1\n");
	snprintf(path, sizeof(path), "%s/check", dir);
	while (!stop && access(path, F_OK)) {
		struct timespec ts = {0, 10 * 1000 * 1000};

		for (size_t k = 0; k < per_tick; k++) {
			size_t p = rnd(&seed) % npages;
			uint64_t *w = mem + p * words;

			gen[p]++;
			w[0] = w[words - 1] = edge(p, gen[p]);
		}
		nanosleep(&ts, NULL);
	}
	for (size_t p = 0; p < npages; p++) {
		const uint64_t *w = mem + p * words;

		if (w[0] != edge(p, gen[p]) || w[words - 1] != edge(p, gen[p])) {
			snprintf(buf, sizeof(buf),
				 "FAIL: page %zu edge %#llx, want generation %u\n", p,
				 (unsigned long long)w[0], gen[p]);
			put("result", buf);
			return 1;
		}
		for (size_t j = 1; j + 1 < words; j++)
			if (w[j] != middle(p, j)) {
				snprintf(buf, sizeof(buf), "FAIL: page %zu word %zu differs\n", p,
					 j);
				put("result", buf);
				return 1;
			}
	}
	put("result", "PASS\n");
	return 0;
}
