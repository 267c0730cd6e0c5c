/*
 * Target of bench/track-bench: maps SIZE MiB of anonymous memory, fills
 * every page with data, then waits. Each SIGUSR1 dirties PCT percent of the
 * pages, spread evenly over the area (one word per page: a worst case for
 * trackers, which see PCT% scattered pages), and touches the file READY.
 *
 *   track-target SIZE_MIB PCT READY
 *
 * It writes READY once populated and again (rewrites it) after each round.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

static volatile sig_atomic_t rounds; /* SIGUSR1s received */

static void on_usr1(int sig)
{
	(void)sig;
	rounds++;
}

static void mark(const char *path, long n)
{
	char tmp[4096], buf[32];
	int fd, len;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		exit(2);
	len = snprintf(buf, sizeof(buf), "%ld\n", n);
	if (write(fd, buf, len) != len)
		exit(2);
	close(fd);
	if (rename(tmp, path))
		exit(2);
}

int main(int argc, char **argv)
{
	unsigned long size, npages, step, psz = sysconf(_SC_PAGESIZE);
	sig_atomic_t done = 0;
	struct sigaction sa;
	sigset_t set, old;
	double pct;
	char *mem;

	if (argc != 4) {
		fprintf(stderr, "usage: %s SIZE_MIB PCT READY_FILE\n", argv[0]);
		return 1;
	}
	size = strtoul(argv[1], NULL, 0) << 20;
	pct = strtod(argv[2], NULL);
	npages = size / psz;
	step = pct > 0 ? (unsigned long)(100.0 / pct + 0.5) : 0;
	mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return 2;
	madvise(mem, size, MADV_NOHUGEPAGE); /* page granularity, as most heaps */
	if (madvise(mem, size, MADV_POPULATE_WRITE))
		memset(mem, 0, size);
	for (unsigned long i = 0; i < npages; i++)
		*(uint64_t *)(mem + i * psz) = i + 1;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, &old);
	mark(argv[3], 0);
	for (;;) {
		while (rounds == done)
			sigsuspend(&old);
		done++;
		for (unsigned long i = 0; step && i < npages; i += step)
			*(uint64_t *)(mem + i * psz) += (uint64_t)done << 32;
		mark(argv[3], done);
	}
}
