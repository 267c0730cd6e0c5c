/*
 * memfd files survive with their name, size, content, seals and offsets: one
 * sealed against resizing and opened twice (two descriptions of one object:
 * a write through one shows through the other), one sealed against writes,
 * one created without sealing.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zdtmtst.h"

#define SZ (3 * 4096 + 123)

static char data[SZ], back[SZ];

static int make(const char *name, unsigned int flags, uint64_t seed)
{
	int fd = memfd_create(name, flags);

	mem_fill(data, SZ & ~7ul, seed);
	if (fd < 0 || pwrite(fd, data, SZ, 0) != SZ)
		test_skip("memfd_create: %m");
	return fd;
}

static void check_one(const char *name, int fd, uint64_t seed, int seals, off_t pos)
{
	char link[64], target[128], want[128];
	struct stat st;
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	snprintf(want, sizeof(want), "/memfd:%s (deleted)", name);
	n = readlink(link, target, sizeof(target) - 1);
	target[n > 0 ? n : 0] = '\0';
	if (strcmp(target, want))
		fail("%s: fd %d is '%s', expected '%s'", name, fd, target, want);
	if (fstat(fd, &st) || st.st_size != SZ)
		fail("%s: size %lld, expected %d", name, (long long)st.st_size, SZ);
	mem_fill(data, SZ & ~7ul, seed);
	memset(back, 0, sizeof(back));
	if (pread(fd, back, SZ, 0) != SZ || memcmp(back, data, SZ))
		fail("%s: content differs", name);
	if (fcntl(fd, F_GET_SEALS) != seals)
		fail("%s: seals 0x%x, expected 0x%x", name, fcntl(fd, F_GET_SEALS), seals);
	if (lseek(fd, 0, SEEK_CUR) != pos)
		fail("%s: offset %lld, expected %lld", name, (long long)lseek(fd, 0, SEEK_CUR),
		     (long long)pos);
}

int main(int argc, char **argv)
{
	int a, a2, w, plain;
	char path[64], c = 0;

	test_init(argc, argv);
	a = make("zdtm-resize-sealed", MFD_ALLOW_SEALING, 11);
	if (fcntl(a, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW))
		test_skip("F_ADD_SEALS: %m");
	snprintf(path, sizeof(path), "/proc/self/fd/%d", a);
	a2 = open(path, O_RDWR);
	w = make("zdtm-write-sealed", MFD_ALLOW_SEALING, 22);
	if (fcntl(w, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SEAL))
		fail("F_SEAL_WRITE: %m");
	plain = make("zdtm-plain", 0, 33);
	if (a2 < 0 || lseek(a, 100, SEEK_SET) != 100 || lseek(a2, 4096, SEEK_SET) != 4096 ||
	    lseek(w, 7, SEEK_SET) != 7)
		fail("setup: %m");
	test_daemon();
	test_waitsig();

	check_one("zdtm-resize-sealed", a, 11, F_SEAL_SHRINK | F_SEAL_GROW, 100);
	check_one("zdtm-resize-sealed", a2, 11, F_SEAL_SHRINK | F_SEAL_GROW, 4096);
	check_one("zdtm-write-sealed", w, 22, F_SEAL_WRITE | F_SEAL_SEAL, 7);
	check_one("zdtm-plain", plain, 33, F_SEAL_SEAL, 0);
	if (ftruncate(a, SZ + 4096) == 0 || errno != EPERM)
		fail("the grow seal is not enforced: %m");
	if (pwrite(w, "x", 1, 0) == 1 || errno != EPERM)
		fail("the write seal is not enforced: %m");
	if (pwrite(a, "Z", 1, 5) != 1 || pread(a2, &c, 1, 5) != 1 || c != 'Z')
		fail("the two fds no longer share one memfd ('%c')", c);
	mem_fill(data, SZ & ~7ul, 11); /* leave mode checks twice: put the byte back */
	if (pwrite(a, data + 5, 1, 5) != 1)
		fail("restore byte: %m");
	return test_done();
}
