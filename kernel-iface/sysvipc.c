#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <unistd.h>

#include "sysvipc.h"

enum { VAR_U32, VAR_U64, VAR_SEM };

static const struct sysvipc_var_file {
	const char *path;
	size_t off;
	int type;
} sysvipc_var_files[] = {
	{"/proc/sys/kernel/sem", offsetof(struct sysvipc_vars, sem), VAR_SEM},
	{"/proc/sys/kernel/msgmax", offsetof(struct sysvipc_vars, msgmax), VAR_U32},
	{"/proc/sys/kernel/msgmnb", offsetof(struct sysvipc_vars, msgmnb), VAR_U32},
	{"/proc/sys/kernel/msgmni", offsetof(struct sysvipc_vars, msgmni), VAR_U32},
	{"/proc/sys/kernel/auto_msgmni", offsetof(struct sysvipc_vars, auto_msgmni), VAR_U32},
	{"/proc/sys/kernel/shmmax", offsetof(struct sysvipc_vars, shmmax), VAR_U64},
	{"/proc/sys/kernel/shmall", offsetof(struct sysvipc_vars, shmall), VAR_U64},
	{"/proc/sys/kernel/shmmni", offsetof(struct sysvipc_vars, shmmni), VAR_U32},
	{"/proc/sys/kernel/shm_rmid_forced", offsetof(struct sysvipc_vars, shm_rmid_forced),
	 VAR_U32},
	{"/proc/sys/fs/mqueue/queues_max", offsetof(struct sysvipc_vars, mq_queues_max), VAR_U32},
	{"/proc/sys/fs/mqueue/msg_max", offsetof(struct sysvipc_vars, mq_msg_max), VAR_U32},
	{"/proc/sys/fs/mqueue/msgsize_max", offsetof(struct sysvipc_vars, mq_msgsize_max), VAR_U32},
	{"/proc/sys/fs/mqueue/msg_default", offsetof(struct sysvipc_vars, mq_msg_default), VAR_U32},
	{"/proc/sys/fs/mqueue/msgsize_default", offsetof(struct sysvipc_vars, mq_msgsize_default),
	 VAR_U32},
};

#define NR_VAR_FILES (sizeof(sysvipc_var_files) / sizeof(sysvipc_var_files[0]))

/* The whole of a small file, NUL-terminated. 0 or -errno. */
static int read_text(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	return 0;
}

int sysvipc_read_vars(struct sysvipc_vars *v)
{
	memset(v, 0, sizeof(*v));
	for (size_t i = 0; i < NR_VAR_FILES; i++) {
		const struct sysvipc_var_file *f = &sysvipc_var_files[i];
		char buf[128];
		void *p = (char *)v + f->off;
		uint32_t *s = p;
		int ret = read_text(f->path, buf, sizeof(buf));

		if (ret == -ENOENT)
			continue;
		if (ret)
			return ret;
		if (f->type == VAR_U64)
			*(uint64_t *)p = strtoull(buf, NULL, 10);
		else if (f->type == VAR_U32)
			*(uint32_t *)p = (uint32_t)strtoul(buf, NULL, 10);
		else if (sscanf(buf, "%" SCNu32 " %" SCNu32 " %" SCNu32 " %" SCNu32, &s[0], &s[1],
				&s[2], &s[3]) != 4)
			return -EINVAL;
	}
	return 0;
}

int sysvipc_write_vars(const struct sysvipc_vars *v, const char **failed)
{
	for (size_t i = 0; i < NR_VAR_FILES; i++) {
		const struct sysvipc_var_file *f = &sysvipc_var_files[i];
		const void *p = (const char *)v + f->off;
		const uint32_t *s = p;
		char buf[128];
		int fd, n;

		if (f->type == VAR_U64)
			n = snprintf(buf, sizeof(buf), "%" PRIu64, *(const uint64_t *)p);
		else if (f->type == VAR_U32)
			n = snprintf(buf, sizeof(buf), "%" PRIu32, *(const uint32_t *)p);
		else
			n = snprintf(buf, sizeof(buf), "%u %u %u %u", s[0], s[1], s[2], s[3]);
		fd = open(f->path, O_WRONLY | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT)
			continue;
		if (fd < 0 || write(fd, buf, (size_t)n) != n) {
			int e = errno;

			if (fd >= 0)
				close(fd);
			*failed = f->path;
			return -e;
		}
		close(fd);
	}
	return 0;
}

int sysvipc_parse_shm(const char *buf, struct sysvipc_shm **out, size_t *n)
{
	const char *line = strchr(buf, '\n');
	struct sysvipc_shm *a = NULL;
	size_t nr = 0;

	*out = NULL;
	*n = 0;
	while (line && *++line) {
		struct sysvipc_shm s;
		unsigned long long cpid, lpid, nattch;

		if (sscanf(line,
			   "%" SCNd32 " %d %" SCNo32 " %" SCNu64 " %llu %llu %llu %" SCNu32
			   " %" SCNu32 " %" SCNu32 " %" SCNu32,
			   &s.key, &s.id, &s.mode, &s.size, &cpid, &lpid, &nattch, &s.uid, &s.gid,
			   &s.cuid, &s.cgid) != 11) {
			free(a);
			return -EINVAL;
		}
		if (!(nr & (nr + 1))) {
			struct sysvipc_shm *b = realloc(a, (2 * nr + 1) * sizeof(*a));

			if (!b) {
				free(a);
				return -ENOMEM;
			}
			a = b;
		}
		a[nr++] = s;
		line = strchr(line, '\n');
	}
	*out = a;
	*n = nr;
	return 0;
}

/* The whole of /proc/sysvipc/@what, malloc'd. 0 or -errno. */
static int read_sysvipc(const char *what, char **out)
{
	char path[64];
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	int fd;
	ssize_t r;

	snprintf(path, sizeof(path), "/proc/sysvipc/%s", what);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (!buf || fd < 0) {
		int e = buf ? errno : ENOMEM;

		free(buf);
		if (fd >= 0)
			close(fd);
		return -e;
	}
	while ((r = read(fd, buf + len, cap - len - 1)) > 0) {
		len += (size_t)r;
		if (cap - len < 2) {
			char *b = realloc(buf, cap *= 2);

			if (!b) {
				r = -1;
				errno = ENOMEM;
				break;
			}
			buf = b;
		}
	}
	close(fd);
	if (r < 0) {
		int e = errno;

		free(buf);
		return -e;
	}
	buf[len] = 0;
	*out = buf;
	return 0;
}

int sysvipc_read_shm(struct sysvipc_shm **out, size_t *n)
{
	char *buf;
	int ret = read_sysvipc("shm", &buf);

	if (ret)
		return ret;
	ret = sysvipc_parse_shm(buf, out, n);
	free(buf);
	return ret;
}

int sysvipc_count(const char *what, size_t *n)
{
	char *buf;
	int ret = read_sysvipc(what, &buf);

	if (ret)
		return ret;
	*n = 0;
	for (const char *p = strchr(buf, '\n'); p && p[1]; p = strchr(p + 1, '\n'))
		(*n)++;
	free(buf);
	return 0;
}

static int write_next_id(int id)
{
	char buf[16];
	int n = snprintf(buf, sizeof(buf), "%d", id);
	int fd = open("/proc/sys/kernel/shm_next_id", O_WRONLY | O_CLOEXEC);
	int ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, buf, (size_t)n) != n)
		ret = -errno;
	close(fd);
	return ret;
}

int sysvipc_make_shm(const struct sysvipc_shm *s, const void *data, size_t len)
{
	struct shmid_ds ds;
	void *p;
	int id, ret = write_next_id(s->id);

	if (ret)
		return ret;
	id = shmget((key_t)s->key, s->size, IPC_CREAT | IPC_EXCL | (int)(s->mode & 0777));
	if (id < 0)
		return -errno;
	if (id != s->id) {
		shmctl(id, IPC_RMID, NULL);
		return -EEXIST;
	}
	memset(&ds, 0, sizeof(ds));
	ds.shm_perm.uid = s->uid;
	ds.shm_perm.gid = s->gid;
	ds.shm_perm.mode = (unsigned short)(s->mode & 0777);
	if (shmctl(id, IPC_SET, &ds))
		return -errno;
	if (!len)
		return 0;
	p = shmat(id, NULL, 0);
	if (p == (void *)-1)
		return -errno;
	memcpy(p, data, len < s->size ? len : s->size);
	shmdt(p);
	return 0;
}
