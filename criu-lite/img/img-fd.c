/*
 * The fd kinds for show (img-fd.h), keyed by the FileEntry type each owns,
 * like the dump's (dump/dump-fd-kinds.c) and the restore's
 * (restore/restore-fd-kinds.c) tables: which images of a kind carry raw data
 * after their entries, and how long it is.
 */
#include "img-fd.h"
#include "img.h"

#include "ghost-file.pb-c.h"
#include "ipc-shm.pb-c.h"
#include "pipe-data.pb-c.h"
#include "sk-packet.pb-c.h"
#include "tcp-stream.pb-c.h"

static uint64_t pipe_data_len(const ProtobufCMessage *m)
{
	return ((const PipeDataEntry *)m)->bytes;
}

/* A ghost entry: its content follows unless it is chunked; a chunk entry: its bytes. */
static uint64_t ghost_len(const ProtobufCMessage *m)
{
	const GhostFileEntry *g = (const GhostFileEntry *)m;

	if (m->descriptor == &ghost_chunk_entry__descriptor)
		return ((const GhostChunkEntry *)m)->len;
	return g->chunks ? 0 : g->size;
}

static uint64_t sk_queue_len(const ProtobufCMessage *m)
{
	return ((const SkPacketEntry *)m)->length;
}

static uint64_t tcp_queues_len(const ProtobufCMessage *m)
{
	const TcpStreamEntry *t = (const TcpStreamEntry *)m;

	return (uint64_t)t->inq_len + t->outq_len;
}

const struct img_fd_show img_fd_kinds[] = {
	{FD_TYPES__REG, "reg", {{IMG_GHOST_FILE, ghost_len}}},
	{FD_TYPES__PIPE, "pipe", {{IMG_PIPES_DATA, pipe_data_len}}},
	{FD_TYPES__FIFO, "fifo", {{IMG_FIFO_DATA, pipe_data_len}}},
	{FD_TYPES__EVENTFD, "eventfd", {{0, NULL}}},
	{FD_TYPES__SIGNALFD, "signalfd", {{0, NULL}}},
	{FD_TYPES__TIMERFD, "timerfd", {{0, NULL}}},
	{FD_TYPES__EVENTPOLL, "eventpoll", {{0, NULL}}},
	{FD_TYPES__INETSK, "inet socket", {{IMG_TCP_STREAM, tcp_queues_len}}},
	{FD_TYPES__UNIXSK, "unix socket", {{IMG_SK_QUEUES, sk_queue_len}}},
	{FD_TYPES__NETLINKSK, "netlink socket", {{0, NULL}}},
	{FD_TYPES__PACKETSK, "packet socket", {{0, NULL}}},
	{FD_TYPES__TTY, "tty", {{0, NULL}}},
	{FD_TYPES__MEMFD, "memfd", {{0, NULL}}},
	{FD_TYPES__INOTIFY, "inotify", {{0, NULL}}},
	{FD_TYPES__PIDFD, "pidfd", {{0, NULL}}},
	{FD_TYPES__FANOTIFY, "fanotify", {{0, NULL}}},
};

const size_t img_fd_nr_kinds = sizeof(img_fd_kinds) / sizeof(img_fd_kinds[0]);

const struct img_fd_show *img_fd_show_kind(int type)
{
	for (size_t i = 0; i < img_fd_nr_kinds; i++)
		if ((int)img_fd_kinds[i].type == type)
			return &img_fd_kinds[i];
	return NULL;
}

/* A segment's contents follow its entry unless they went into the pagemaps; rounded up to 4. */
static uint64_t ipc_shm_len(const ProtobufCMessage *m)
{
	const IpcShmEntry *e = (const IpcShmEntry *)m;

	return e->in_pagemaps ? 0 : (e->size + 3) & ~3ull;
}

/* Images of namespaces (not of an fd kind) whose entries carry raw data. */
const struct img_fd_data img_ns_data[] = {{IMG_IPCNS_SHM, ipc_shm_len}, {0, NULL}};

uint64_t img_fd_data_len(const struct img_kind_desc *k, const ProtobufCMessage *m)
{
	for (const struct img_fd_data *d = img_ns_data; d->len; d++)
		if (img_kind_desc((enum img_kind)d->img) == k)
			return d->len(m);
	for (size_t i = 0; i < img_fd_nr_kinds; i++)
		for (const struct img_fd_data *d = img_fd_kinds[i].data; d->len; d++)
			if (img_kind_desc((enum img_kind)d->img) == k)
				return d->len(m);
	return 0;
}
