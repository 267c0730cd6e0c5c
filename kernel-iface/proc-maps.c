/*
 * /proc/PID/maps and smaps. The line layout is show_map_vma() in
 * fs/proc/task_mmu.c: "start-end perms pgoff major:minor ino" then, after
 * padding, the path or a [name]. smaps adds "Key: value kB" lines and a
 * final "VmFlags:" line per VMA.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "array.h"
#include "proc-maps.h"

#define PROC_READ_CHUNK (64 * 1024)

static int proc_read_file_at(int dirfd, const char *path, char **buf, size_t *len)
{
	size_t cap = PROC_READ_CHUNK, n = 0;
	char *b, *nb;
	ssize_t r;
	int fd, ret = 0;

	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	b = malloc(cap);
	if (!b) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		if (cap - n < PROC_READ_CHUNK / 2) {
			nb = realloc(b, cap * 2);
			if (!nb) {
				ret = -ENOMEM;
				break;
			}
			b = nb;
			cap *= 2;
		}
		/* Keep one byte for the terminating NUL. */
		r = read(fd, b + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			ret = -errno;
			break;
		}
		if (r == 0)
			break;
		n += r;
	}
	close(fd);
	if (ret) {
		free(b);
		return ret;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

int proc_read_file(const char *path, char **buf, size_t *len)
{
	return proc_read_file_at(AT_FDCWD, path, buf, len);
}

/* Bounded number parsing: the buffer given to proc_parse_maps need not end in NUL. */
static int pm_num(const char **pp, const char *end, int base, unsigned long long *v)
{
	const char *p = *pp;
	unsigned long long x = 0;
	int d, digits = 0;

	for (; p < end; p++, digits++) {
		char c = *p;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			break;
		x = x * base + d;
	}
	if (!digits)
		return -EINVAL;
	*pp = p;
	*v = x;
	return 0;
}

static int pm_expect(const char **pp, const char *end, char c)
{
	if (*pp >= end || **pp != c)
		return -EINVAL;
	(*pp)++;
	return 0;
}

static void pm_skip_spaces(const char **pp, const char *end)
{
	while (*pp < end && (**pp == ' ' || **pp == '\t'))
		(*pp)++;
}

static bool pm_has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static enum proc_vma_kind pm_kind(const char *path, bool deleted)
{
	static const struct {
		const char *name;
		enum proc_vma_kind kind;
	} special[] = {
		{"[heap]", PROC_VMA_HEAP},	  {"[stack]", PROC_VMA_STACK},
		{"[vdso]", PROC_VMA_VDSO},	  {"[vvar]", PROC_VMA_VVAR},
		{"[vvar_vclock]", PROC_VMA_VVAR}, {"[vsyscall]", PROC_VMA_VSYSCALL},
	};
	size_t i;

	if (!path)
		return PROC_VMA_ANON;
	if (path[0] == '[') {
		for (i = 0; i < sizeof(special) / sizeof(special[0]); i++)
			if (!strcmp(path, special[i].name))
				return special[i].kind;
		/* Old kernels: "[stack:TID]" for thread stacks. */
		if (pm_has_prefix(path, "[stack:"))
			return PROC_VMA_STACK;
		if (pm_has_prefix(path, "[anon_shmem:"))
			return PROC_VMA_SHMEM_ANON;
		/* PR_SET_VMA_ANON_NAME on private anonymous memory (5.17+). */
		if (pm_has_prefix(path, "[anon:"))
			return PROC_VMA_ANON;
		return PROC_VMA_OTHER_SPECIAL;
	}
	if (path[0] != '/')
		return PROC_VMA_OTHER_SPECIAL; /* "anon_inode:..." and the like */
	/* Shared anonymous memory lives on an unlinked shmem file. */
	if (deleted && (!strcmp(path, "/dev/zero") || pm_has_prefix(path, "/SYSV")))
		return PROC_VMA_SHMEM_ANON;
	return PROC_VMA_FILE;
}

static int pm_parse_path(const char *p, const char *eol, struct proc_vma *v)
{
	static const char suffix[] = " (deleted)";
	size_t n, sl = sizeof(suffix) - 1;

	pm_skip_spaces(&p, eol);
	n = eol - p;
	if (n == 0) {
		v->kind = PROC_VMA_ANON;
		return 0;
	}
	if (n > sl && !memcmp(eol - sl, suffix, sl)) {
		v->deleted = true;
		n -= sl;
	}
	v->path = strndup(p, n);
	if (!v->path)
		return -ENOMEM;
	v->kind = pm_kind(v->path, v->deleted);
	return 0;
}

/* "start-end perms pgoff maj:min ino [path]" */
static int pm_parse_header(const char *p, const char *eol, struct proc_vma *v)
{
	unsigned long long x, y;

	memset(v, 0, sizeof(*v));
	if (pm_num(&p, eol, 16, &x) || pm_expect(&p, eol, '-') || pm_num(&p, eol, 16, &y))
		return -EINVAL;
	v->start = x;
	v->end = y;
	if (eol - p < 6 || p[0] != ' ' || p[5] != ' ')
		return -EINVAL;
	if (p[1] == 'r')
		v->prot |= PROT_READ;
	if (p[2] == 'w')
		v->prot |= PROT_WRITE;
	if (p[3] == 'x')
		v->prot |= PROT_EXEC;
	if (p[4] != 's' && p[4] != 'p')
		return -EINVAL;
	v->shared = p[4] == 's';
	p += 6;
	if (pm_num(&p, eol, 16, &v->pgoff) || pm_expect(&p, eol, ' '))
		return -EINVAL;
	if (pm_num(&p, eol, 16, &x) || pm_expect(&p, eol, ':') || pm_num(&p, eol, 16, &y))
		return -EINVAL;
	v->dev_major = x;
	v->dev_minor = y;
	if (pm_expect(&p, eol, ' ') || pm_num(&p, eol, 10, &v->ino))
		return -EINVAL;
	if (p < eol && *p != ' ')
		return -EINVAL;
	return pm_parse_path(p, eol, v);
}

static unsigned int pm_parse_vmflags(const char *p, const char *eol)
{
	static const char codes[][3] = {
		"gd", "hg", "nh", "dd", "dc", "wf", "sd", "io", "pf", "mg", "lo",
		"um", "uw", "sh", "ms", "sl", "ss", "de", "rr", "sr", "mw", "lf",
	};
	unsigned int flags = 0, i;

	/* Codes are two letters separated by one space (show_smap_vma_flags()). */
	for (;;) {
		pm_skip_spaces(&p, eol);
		if (eol - p < 2)
			break;
		for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
			if (p[0] == codes[i][0] && p[1] == codes[i][1])
				flags |= 1u << i;
		p += 2;
	}
	return flags;
}

/* One "Key: value" line of smaps, applied to the VMA it follows. */
static void pm_parse_field(const char *p, const char *colon, const char *eol, struct proc_vma *v)
{
	static const struct {
		const char *key;
		size_t off;
	} kb[] = {
		{"Rss", offsetof(struct proc_vma, rss_kb)},
		{"Anonymous", offsetof(struct proc_vma, anon_kb)},
		{"Swap", offsetof(struct proc_vma, swap_kb)},
		{"AnonHugePages", offsetof(struct proc_vma, anon_huge_kb)},
		{"Shared_Clean", offsetof(struct proc_vma, shared_clean_kb)},
		{"Shared_Dirty", offsetof(struct proc_vma, shared_dirty_kb)},
	};
	size_t klen = colon - p, i;
	const char *q = colon + 1;
	unsigned long long x;

	if (klen == 7 && !memcmp(p, "VmFlags", 7)) {
		v->vmflags = pm_parse_vmflags(q, eol);
		return;
	}
	for (i = 0; i < sizeof(kb) / sizeof(kb[0]); i++) {
		if (strlen(kb[i].key) != klen || memcmp(p, kb[i].key, klen))
			continue;
		pm_skip_spaces(&q, eol);
		if (!pm_num(&q, eol, 10, &x))
			*(unsigned long *)((char *)v + kb[i].off) = x;
		return;
	}
}

/* A field line starts with "Word:"; a VMA line starts with "hex-hex". */
static const char *pm_field_colon(const char *p, const char *eol)
{
	for (; p < eol; p++) {
		if (*p == ':')
			return p;
		if (*p == ' ' || *p == '-')
			return NULL;
	}
	return NULL;
}

static int pm_append(struct proc_vma_list *l, const struct proc_vma *v)
{
	if (ARRAY_GROW(l->v, l->n))
		return -ENOMEM;
	l->v[l->n++] = *v;
	return 0;
}

int proc_parse_maps(const char *buf, size_t len, struct proc_vma_list *out)
{
	const char *p = buf, *end = buf + len, *eol, *colon;
	struct proc_vma v;
	int ret = 0;

	out->v = NULL;
	out->n = 0;
	for (; p < end && !ret; p = eol + 1) {
		eol = memchr(p, '\n', end - p);
		if (!eol)
			eol = end;
		if (eol == p)
			continue;
		colon = pm_field_colon(p, eol);
		if (colon) {
			if (!out->n)
				ret = -EINVAL;
			else
				pm_parse_field(p, colon, eol, &out->v[out->n - 1]);
			continue;
		}
		ret = pm_parse_header(p, eol, &v);
		if (!ret) {
			ret = pm_append(out, &v);
			if (ret)
				free(v.path);
		}
	}
	if (ret)
		proc_vma_list_free(out);
	return ret;
}

int proc_read_maps(pid_t pid, bool smaps, struct proc_vma_list *out)
{
	char path[64], *buf;
	size_t len;
	int ret;

	out->v = NULL;
	out->n = 0;
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, smaps ? "smaps" : "maps");
	ret = proc_read_file(path, &buf, &len);
	if (ret)
		return ret;
	ret = proc_parse_maps(buf, len, out);
	free(buf);
	return ret;
}

void proc_vma_list_free(struct proc_vma_list *l)
{
	size_t i;

	if (!l)
		return;
	for (i = 0; i < l->n; i++)
		free(l->v[i].path);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}
