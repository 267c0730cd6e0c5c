/*
 * Target for track-rss.sh: threads with default (8 MiB) stacks they barely
 * use, and a 64 MiB anonymous area of which 1 MiB was written. Writes
 * RESULT.ready, then sleeps until killed.
 *
 *   track_threads RESULT
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define NTHREADS 4

static void *idle(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t th[NTHREADS];
	char path[4096];
	size_t size = 64 << 20;
	char *mem;
	FILE *f;

	if (argc != 2)
		return 1;
	mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return 1;
	memset(mem, 0x5a, 1 << 20);
	for (int i = 0; i < NTHREADS; i++)
		if (pthread_create(&th[i], NULL, idle, NULL))
			return 1;
	snprintf(path, sizeof(path), "%s.ready", argv[1]);
	f = fopen(path, "w");
	if (!f)
		return 1;
	fprintf(f, "%d\n", getpid());
	fclose(f);
	for (;;)
		pause();
}
