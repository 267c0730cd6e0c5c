/*
 * An ipc namespace the root owns, read from inside it (setns): its IPC
 * sysctls into ipcns-var-ID.img, its System V shared memory segments with
 * their contents into ipcns-shm-ID.img (CRIU's images and layout: each
 * entry, then the segment's bytes rounded up to 4). Message queues and
 * semaphore sets are refused, not restored yet. Reading a segment attaches
 * it for a moment: its shm_atime, shm_dtime and shm_lpid become the dump's.
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/shm.h>

#include "dump-ns.h"
#include "dump.h"
#include "ipc-shm.pb-c.h"
#include "ipc-var.pb-c.h"
#include "log.h"
#include "nsfs.h"
#include "sysvipc.h"

static int dump_ipc_var(struct dump_ctx *ctx, pid_t pid, uint32_t id)
{
	IpcVarEntry e = IPC_VAR_ENTRY__INIT;
	struct sysvipc_vars v;
	int ret = sysvipc_read_vars(&v);

	if (ret) {
		pr_err("dump: IPC sysctls of the ipc namespace of pid %d: %s", pid, strerror(-ret));
		return ret;
	}
	e.n_sem_ctls = 4;
	e.sem_ctls = v.sem;
	e.msg_ctlmax = v.msgmax;
	e.msg_ctlmnb = v.msgmnb;
	e.msg_ctlmni = v.msgmni;
	e.auto_msgmni = v.auto_msgmni;
	e.shm_ctlmax = v.shmmax;
	e.shm_ctlall = v.shmall;
	e.shm_ctlmni = v.shmmni;
	e.shm_rmid_forced = v.shm_rmid_forced;
	e.mq_queues_max = v.mq_queues_max;
	e.mq_msg_max = v.mq_msg_max;
	e.mq_msgsize_max = v.mq_msgsize_max;
	e.has_mq_msg_default = e.has_mq_msgsize_default = true;
	e.mq_msg_default = v.mq_msg_default;
	e.mq_msgsize_default = v.mq_msgsize_default;
	return img_write_one(&ctx->dir, IMG_IPC_VAR, id, &e.base);
}

static int dump_ipc_seg(struct img *img, pid_t pid, const struct sysvipc_shm *s)
{
	IpcShmEntry e = IPC_SHM_ENTRY__INIT;
	IpcDescEntry d = IPC_DESC_ENTRY__INIT;
	static const uint8_t pad[4];
	void *p = shmat(s->id, NULL, SHM_RDONLY);
	int ret;

	if (p == (void *)-1) {
		pr_err("dump: System V shared memory segment %d of the ipc namespace of pid %d: "
		       "shmat: %s",
		       s->id, pid, strerror(errno));
		return -errno;
	}
	d.key = (uint32_t)s->key;
	d.uid = s->uid;
	d.gid = s->gid;
	d.cuid = s->cuid;
	d.cgid = s->cgid;
	d.mode = s->mode;
	d.id = (uint32_t)s->id;
	e.desc = &d;
	e.size = s->size;
	ret = img_write_msg(img, &e.base);
	if (!ret)
		ret = img_write_raw(img, p, s->size);
	if (!ret && (s->size & 3))
		ret = img_write_raw(img, pad, 4 - (s->size & 3));
	shmdt(p);
	return ret;
}

static int dump_ipc_shm(struct dump_ctx *ctx, pid_t pid, uint32_t id)
{
	struct sysvipc_shm *segs;
	struct img *img = NULL;
	size_t n;
	int ret = sysvipc_read_shm(&segs, &n);

	if (ret) {
		pr_err("dump: /proc/sysvipc/shm of the ipc namespace of pid %d: %s", pid,
		       strerror(-ret));
		return ret;
	}
	ret = img_open(&ctx->dir, IMG_IPCNS_SHM, id, true, &img);
	for (size_t i = 0; i < n && !ret; i++)
		ret = dump_ipc_seg(img, pid, &segs[i]);
	ret = img_close(img) ?: ret;
	free(segs);
	return ret;
}

/* Message queues and semaphore sets are not restored yet: refused by name. */
static int dump_ipc_refused(pid_t pid)
{
	static const char *const what[][2] = {{"msg", "message queues"}, {"sem", "semaphore sets"}};

	for (size_t i = 0; i < 2; i++) {
		size_t n = 0;
		int ret = sysvipc_count(what[i][0], &n);

		if (ret) {
			pr_err("dump: /proc/sysvipc/%s of the ipc namespace of pid %d: %s",
			       what[i][0], pid, strerror(-ret));
			return ret;
		}
		if (n) {
			pr_err("dump: the ipc namespace of pid %d holds %zu System V %s: not "
			       "restored yet; remove them (ipcrm) or dump a tree without its own "
			       "ipc namespace",
			       pid, n, what[i][1]);
			return -EOPNOTSUPP;
		}
	}
	return 0;
}

static int dump_ipc(struct dump_ctx *ctx, pid_t pid, uint32_t id)
{
	int back, ret = ns_enter(pid, "ipc", CLONE_NEWIPC, &back);

	if (ret) {
		pr_err("dump: entering the ipc namespace of pid %d: %s", pid, strerror(-ret));
		return ret;
	}
	ret = dump_ipc_refused(pid);
	if (!ret)
		ret = dump_ipc_var(ctx, pid, id);
	if (!ret)
		ret = dump_ipc_shm(ctx, pid, id);
	if (ns_leave(back, CLONE_NEWIPC)) {
		pr_err("dump: leaving the ipc namespace of pid %d: %s", pid, strerror(errno));
		return -EIO;
	}
	return ret;
}

const struct dump_ns_ops dump_ns_ipc = {dump_ipc};
