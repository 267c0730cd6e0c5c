/*
 * vDSO time calls work after restore: the [vdso] is where AT_SYSINFO_EHDR
 * says, and clock_gettime/gettimeofday/time are monotonic across the restore.
 */
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/time.h>
#include <time.h>

#include "zdtmtst.h"

static unsigned long vdso_start(void)
{
	char line[512];
	unsigned long s = 0, e;
	FILE *f = fopen("/proc/self/maps", "r");

	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, "[vdso]") && sscanf(line, "%lx-%lx", &s, &e) == 2)
			break;
	if (f)
		fclose(f);
	return s;
}

static double ts(const struct timespec *t)
{
	return t->tv_sec + t->tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct timespec mono0, real0, boot0, mono1, real1, boot1, mono2;
	struct timeval tv;
	unsigned long ehdr;
	time_t t0;
	int i;

	test_init(argc, argv);
	ehdr = getauxval(AT_SYSINFO_EHDR);
	if (!ehdr)
		test_skip("no vDSO (AT_SYSINFO_EHDR is 0)");
	clock_gettime(CLOCK_MONOTONIC, &mono0);
	clock_gettime(CLOCK_REALTIME, &real0);
	clock_gettime(CLOCK_BOOTTIME, &boot0);
	t0 = time(NULL);
	test_daemon();
	test_waitsig();

	if (vdso_start() != ehdr)
		fail("[vdso] at 0x%lx, AT_SYSINFO_EHDR says 0x%lx", vdso_start(), ehdr);
	clock_gettime(CLOCK_MONOTONIC, &mono1);
	clock_gettime(CLOCK_REALTIME, &real1);
	clock_gettime(CLOCK_BOOTTIME, &boot1);
	gettimeofday(&tv, NULL);
	if (ts(&mono1) < ts(&mono0))
		fail("CLOCK_MONOTONIC went back: %.6f -> %.6f", ts(&mono0), ts(&mono1));
	if (ts(&boot1) < ts(&boot0))
		fail("CLOCK_BOOTTIME went back: %.6f -> %.6f", ts(&boot0), ts(&boot1));
	if (ts(&real1) < ts(&real0) || time(NULL) < t0)
		fail("CLOCK_REALTIME/time() went back: %.6f -> %.6f", ts(&real0), ts(&real1));
	if (tv.tv_sec + 1 < real1.tv_sec || tv.tv_sec > real1.tv_sec + 1)
		fail("gettimeofday %ld and CLOCK_REALTIME %ld disagree", (long)tv.tv_sec,
		     (long)real1.tv_sec);
	for (i = 0; i < 100000; i++) { /* the fast path keeps ticking forward */
		clock_gettime(CLOCK_MONOTONIC, &mono2);
		if (ts(&mono2) < ts(&mono1)) {
			fail("CLOCK_MONOTONIC not monotonic after restore");
			break;
		}
		mono1 = mono2;
	}
	return test_done();
}
