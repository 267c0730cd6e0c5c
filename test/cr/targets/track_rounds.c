/*
 * Target for track-retry.sh: 4096 pages, page i holding (i, round of its
 * last write). SIGUSR1 runs round r+1, which writes the pages i with
 * i % 4 == (r+1) % 4, then writes r+1 to RESULT.round. SIGUSR2 checks every
 * page against what it must hold and writes "PASS" or "FAIL: ..." to RESULT.
 *
 *   track_rounds RESULT
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define NPAGES 4096

static volatile sig_atomic_t usr1, usr2;

static void on_sig(int sig)
{
	if (sig == SIGUSR1)
		usr1++;
	else
		usr2 = 1;
}

static void put(const char *res, const char *suffix, const char *text)
{
	char path[4096], tmp[4200];
	FILE *f;

	snprintf(path, sizeof(path), "%s%s", res, suffix);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		_exit(2);
	fputs(text, f);
	fclose(f);
	rename(tmp, path);
}

/* The round that last wrote page @i after @rounds rounds (0: the first fill). */
static uint64_t expect(uint64_t i, uint64_t rounds)
{
	uint64_t r = rounds;

	while (r && r % 4 != i % 4)
		r--;
	return r;
}

int main(int argc, char **argv)
{
	size_t psz = sysconf(_SC_PAGESIZE);
	struct sigaction sa;
	sigset_t set, old;
	uint64_t rounds = 0;
	char msg[128];
	char *mem;

	if (argc != 2)
		return 1;
	mem = mmap(NULL, NPAGES * psz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return 1;
	for (uint64_t i = 0; i < NPAGES; i++) {
		uint64_t *w = (uint64_t *)(mem + i * psz);

		w[0] = i;
		w[1] = 0;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sig;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, &old);
	put(argv[1], ".ready", "ready\n");
	for (;;) {
		while ((uint64_t)usr1 == rounds && !usr2)
			sigsuspend(&old);
		if ((uint64_t)usr1 != rounds) {
			rounds++;
			for (uint64_t i = rounds % 4; i < NPAGES; i += 4)
				((uint64_t *)(mem + i * psz))[1] = rounds;
			snprintf(msg, sizeof(msg), "%llu\n", (unsigned long long)rounds);
			put(argv[1], ".round", msg);
		}
		if (usr2) {
			usr2 = 0;
			snprintf(msg, sizeof(msg), "PASS\n");
			for (uint64_t i = 0; i < NPAGES; i++) {
				const uint64_t *w = (const uint64_t *)(mem + i * psz);

				if (w[0] != i || w[1] != expect(i, rounds)) {
					snprintf(msg, sizeof(msg),
						 "FAIL: page %llu holds round %llu, "
						 "want %llu\n",
						 (unsigned long long)i, (unsigned long long)w[1],
						 (unsigned long long)expect(i, rounds));
					break;
				}
			}
			put(argv[1], "", msg);
		}
	}
}
