/*
 * System V IPC of the caller's ipc namespace: its sysctls (kernel.sem, msg*,
 * shm*, fs.mqueue.*, all per ipc namespace) and the objects /proc/sysvipc
 * lists. No policy.
 */
#ifndef CRL_SYSVIPC_H
#define CRL_SYSVIPC_H

#include <stddef.h>
#include <stdint.h>

/* The per-namespace IPC sysctls; a file the kernel lacks reads as 0 and is not written. */
struct sysvipc_vars {
	uint32_t sem[4]; /* kernel.sem: semmsl semmns semopm semmni */
	uint32_t msgmax, msgmnb, msgmni, auto_msgmni;
	uint64_t shmmax, shmall;
	uint32_t shmmni, shm_rmid_forced;
	uint32_t mq_queues_max, mq_msg_max, mq_msgsize_max, mq_msg_default, mq_msgsize_default;
};

int sysvipc_read_vars(struct sysvipc_vars *v);
/* Writes every sysctl of @v whose file exists; the first failure's -errno and its name. */
int sysvipc_write_vars(const struct sysvipc_vars *v, const char **failed);

struct sysvipc_shm {
	int32_t key;
	int id;
	uint32_t mode; /* perms: rights and SHM_* state bits */
	uint64_t size;
	uint32_t uid, gid, cuid, cgid;
};

/*
 * Parses /proc/sysvipc/shm text (a header line, then one line per segment)
 * into *@out (malloc'd, NULL when *@n is 0). 0, -EINVAL, -ENOMEM.
 */
int sysvipc_parse_shm(const char *buf, struct sysvipc_shm **out, size_t *n);
int sysvipc_read_shm(struct sysvipc_shm **out, size_t *n);
/* How many objects /proc/sysvipc/@what ("msg", "sem") lists. 0 or -errno. */
int sysvipc_count(const char *what, size_t *n);
/*
 * Makes segment @s with its key, size, id (through kernel.shm_next_id), owner
 * and rights, holding @len bytes of @data. 0, -EEXIST (the id came out
 * different), or -errno.
 */
int sysvipc_make_shm(const struct sysvipc_shm *s, const void *data, size_t len);

#endif
