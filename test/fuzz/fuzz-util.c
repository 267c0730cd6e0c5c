#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz-util.h"

static void fuzz_die(const char *what, const char *path)
{
	fprintf(stderr, "fuzz: %s '%s': %s\n", what, path, strerror(errno));
	abort();
}

void fuzz_scratch(struct img_dir *d)
{
	const char *base = getenv("CRL_FUZZ_TMP");
	char path[512];

	if (!base)
		base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	snprintf(path, sizeof(path), "%s/crl-fuzz-%d", base, (int)getpid());
	if (mkdir(path, 0700) && errno != EEXIST)
		fuzz_die("cannot create scratch dir", path);
	if (img_dir_open(path, false, d))
		fuzz_die("cannot open scratch dir", path);
}

static void fuzz_clear_at(int dfd, bool recurse)
{
	/* A new open file, not dup(): a dup shares the offset, left at the end by the last pass. */
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;
	DIR *dir;

	if (fd < 0 || !(dir = fdopendir(fd)))
		abort();
	while ((de = readdir(dir))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (de->d_type == DT_DIR && recurse) {
			int sub = openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);

			if (sub >= 0) {
				fuzz_clear_at(sub, false);
				close(sub);
			}
			unlinkat(dfd, de->d_name, AT_REMOVEDIR);
		} else {
			unlinkat(dfd, de->d_name, 0);
		}
	}
	closedir(dir);
}

void fuzz_scratch_clear(const struct img_dir *d)
{
	fuzz_clear_at(d->fd, true);
}

void fuzz_put_file(const struct img_dir *d, const char *name, const void *data, size_t len)
{
	int fd = openat(d->fd, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	const uint8_t *p = data;

	if (fd < 0)
		fuzz_die("cannot create", name);
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n <= 0)
			fuzz_die("cannot write", name);
		p += n;
		len -= (size_t)n;
	}
	close(fd);
}

/* Creates DIR/@name as @size zero bytes (a hole: cheap on tmpfs). */
static void fuzz_size_file(const struct img_dir *d, const char *name, uint32_t size)
{
	int fd = openat(d->fd, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (size > FUZZ_SET_MAX_SIZED)
		size = FUZZ_SET_MAX_SIZED;
	if (fd < 0 || ftruncate(fd, size))
		fuzz_die("cannot size", name);
	close(fd);
}

/* One plain file name: no '/', no leading '.', printable. */
static bool fuzz_name_ok(const char *s)
{
	if (!*s || *s == '.')
		return false;
	for (; *s; s++)
		if (*s == '/' || (unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

int fuzz_set_unpack(const struct img_dir *d, const uint8_t *p, size_t len)
{
	size_t pos = 0;
	int nr = 0;

	while (pos < len && nr < FUZZ_SET_MAX_FILES) {
		unsigned int nlen = p[pos] & 0x7f;
		bool sized = p[pos] & FUZZ_SET_SIZED;
		char name[128];
		uint32_t size;

		pos++;
		if (len - pos < nlen + 4u)
			break;
		memcpy(name, p + pos, nlen);
		name[nlen] = 0;
		pos += nlen;
		size = (uint32_t)p[pos] | (uint32_t)p[pos + 1] << 8 | (uint32_t)p[pos + 2] << 16 |
		       (uint32_t)p[pos + 3] << 24;
		pos += 4;
		if (!sized && size > len - pos)
			size = (uint32_t)(len - pos);
		if (fuzz_name_ok(name) && strlen(name) == nlen) {
			if (sized)
				fuzz_size_file(d, name, size);
			else
				fuzz_put_file(d, name, p + pos, size);
			nr++;
		}
		if (!sized)
			pos += size;
	}
	return nr;
}
