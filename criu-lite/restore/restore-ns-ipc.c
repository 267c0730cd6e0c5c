/*
 * An ipc namespace of the root: its IPC sysctls (ipcns-var-ID.img) and its
 * System V shared memory segments with their ids, keys, owners, rights and
 * contents (ipcns-shm-ID.img). The tool joins it once it exists, so the
 * rebuild finds the segments the processes had attached (restore-sysv.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "img.h"
#include "ipc-shm.pb-c.h"
#include "ipc-var.pb-c.h"
#include "log.h"
#include "restore-ns.h"
#include "sysvipc.h"
#include <unistd.h>

/* A segment bigger than this in an image is refused (images are input). */
#define RST_IPC_SHM_MAX (1ull << 32)

struct rst_ipc {
	struct sysvipc_vars vars;
	struct sysvipc_shm *segs;
	void **data;
	size_t nr_segs;
};

static void rst_ipc_free(void *st)
{
	struct rst_ipc *ipc = st;

	for (size_t i = 0; ipc && i < ipc->nr_segs; i++)
		free(ipc->data[i]);
	if (ipc) {
		free(ipc->data);
		free(ipc->segs);
	}
	free(ipc);
}

static int rst_ipc_read_vars(const struct img_dir *d, unsigned long id, struct sysvipc_vars *v)
{
	IpcVarEntry *e;
	int ret = img_read_one(d, IMG_IPC_VAR, id, &ipc_var_entry__descriptor,
			       (ProtobufCMessage **)&e);

	if (ret)
		return ret;
	if (e->n_sem_ctls != 4) {
		pr_err("image 'ipcns-var-%lu.img' in '%s': %zu kernel.sem values, not 4", id,
		       d->path, e->n_sem_ctls);
		img_free_msg(&e->base);
		return -EINVAL;
	}
	memcpy(v->sem, e->sem_ctls, sizeof(v->sem));
	v->msgmax = e->msg_ctlmax;
	v->msgmnb = e->msg_ctlmnb;
	v->msgmni = e->msg_ctlmni;
	v->auto_msgmni = e->auto_msgmni;
	v->shmmax = e->shm_ctlmax;
	v->shmall = e->shm_ctlall;
	v->shmmni = e->shm_ctlmni;
	v->shm_rmid_forced = e->shm_rmid_forced;
	v->mq_queues_max = e->mq_queues_max;
	v->mq_msg_max = e->mq_msg_max;
	v->mq_msgsize_max = e->mq_msgsize_max;
	v->mq_msg_default = e->mq_msg_default;
	v->mq_msgsize_default = e->mq_msgsize_default;
	img_free_msg(&e->base);
	return 0;
}

/* One segment's entry and contents into the next slot of @ipc. */
static int rst_ipc_read_seg(struct img *img, const IpcShmEntry *e, struct rst_ipc *ipc)
{
	struct sysvipc_shm *s;
	size_t n = ipc->nr_segs;
	void *data;
	int ret;

	if (!e->desc || e->in_pagemaps || !e->size || e->size > RST_IPC_SHM_MAX) {
		pr_err("image '%s': segment entry %zu: %s", img->path, n,
		       e->in_pagemaps ? "contents in pagemaps: not supported"
				      : "no descriptor, or a size of 0 or over 4 GiB");
		return -EINVAL;
	}
	s = realloc(ipc->segs, (n + 1) * sizeof(*s));
	if (s)
		ipc->segs = s;
	data = s ? realloc(ipc->data, (n + 1) * sizeof(void *)) : NULL;
	if (data)
		ipc->data = data;
	data = data ? malloc((e->size + 3) & ~3ull) : NULL;
	if (!data)
		return -ENOMEM;
	ret = img_read_raw(img, data, (e->size + 3) & ~3ull);
	if (ret) {
		free(data);
		return ret;
	}
	ipc->data[n] = data;
	s = &ipc->segs[n];
	s->key = (int32_t)e->desc->key;
	s->id = (int)e->desc->id;
	s->mode = e->desc->mode;
	s->size = e->size;
	s->uid = e->desc->uid;
	s->gid = e->desc->gid;
	s->cuid = e->desc->cuid;
	s->cgid = e->desc->cgid;
	ipc->nr_segs++;
	return 0;
}

static int rst_ipc_read_shm(const struct img_dir *d, unsigned long id, struct rst_ipc *ipc)
{
	struct img *img = NULL;
	IpcShmEntry *e;
	int ret = img_open(d, IMG_IPCNS_SHM, id, false, &img);

	if (ret == -ENOENT)
		pr_err("image 'ipcns-shm-%lu.img' in '%s': missing", id, d->path);
	while (!ret && (ret = img_read_msg(img, &ipc_shm_entry__descriptor,
					   (ProtobufCMessage **)&e)) == 1) {
		ret = rst_ipc_read_seg(img, e, ipc);
		img_free_msg(&e->base);
	}
	img_close(img);
	return ret < 0 ? ret : 0;
}

static int rst_ipc_read(const struct img_dir *d, const struct opts *o, unsigned long id, void **st)
{
	struct rst_ipc *ipc;
	char name[64];
	int ret;

	(void)o;
	snprintf(name, sizeof(name), "ipcns-var-%lu.img", id);
	if (faccessat(d->fd, name, F_OK, 0))
		return -ENOENT; /* the tool's namespace */
	ipc = calloc(1, sizeof(*ipc));
	if (!ipc)
		return -ENOMEM;
	ret = rst_ipc_read_vars(d, id, &ipc->vars);
	if (!ret)
		ret = rst_ipc_read_shm(d, id, ipc);
	if (ret) {
		rst_ipc_free(ipc);
		return ret;
	}
	*st = ipc;
	return 0;
}

static int rst_ipc_apply(const void *st, const char **what)
{
	const struct rst_ipc *ipc = st;
	int ret = sysvipc_write_vars(&ipc->vars, what);

	for (size_t i = 0; !ret && i < ipc->nr_segs; i++) {
		ret = sysvipc_make_shm(&ipc->segs[i], ipc->data[i], ipc->segs[i].size);
		if (ret)
			*what = "making a System V shared memory segment with its recorded id";
	}
	return ret;
}

const struct rst_ns_ops rst_ns_ipc = {rst_ipc_read, rst_ipc_apply, rst_ipc_free, true,
				      NULL,	    NULL,	   NULL};
