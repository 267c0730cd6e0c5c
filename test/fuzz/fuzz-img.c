/*
 * Fuzz target: the image layer's reading side. The first input byte picks an
 * image kind, the second how it is read (every entry with img_read_msg and
 * its raw payload with img_read_raw, as restore does, or img_read_one); the
 * rest is the file, opened with img_open from a scratch directory.
 */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz-util.h"
#include "img.h"
#include "log.h"

#include "ghost-file.pb-c.h"
#include "ipc-shm.pb-c.h"
#include "pipe-data.pb-c.h"
#include "sk-packet.pb-c.h"
#include "tcp-stream.pb-c.h"

#define FUZZ_IMG_ID 1ul

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The name img_open will look for; kind names come from the image layer's table. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static void fuzz_img_name(const struct img_kind_desc *kd, char *buf, size_t len)
{
	snprintf(buf, len, kd->name, FUZZ_IMG_ID);
}
#pragma GCC diagnostic pop

static uint64_t fuzz_payload_len(const struct img_kind_desc *kd, const ProtobufCMessage *m)
{
	switch (kd->payload) {
	case IMG_PAYLOAD_PIPE_DATA:
		return ((const PipeDataEntry *)m)->bytes;
	case IMG_PAYLOAD_GHOST: /* a chunked entry has its data after each chunk entry */
		if (m->descriptor == &ghost_chunk_entry__descriptor)
			return ((const GhostChunkEntry *)m)->len;
		return ((const GhostFileEntry *)m)->chunks ? 0 : ((const GhostFileEntry *)m)->size;
	case IMG_PAYLOAD_SK_PACKET:
		return ((const SkPacketEntry *)m)->length;
	case IMG_PAYLOAD_TCP_STREAM:
		return (uint64_t)((const TcpStreamEntry *)m)->inq_len +
		       ((const TcpStreamEntry *)m)->outq_len;
	case IMG_PAYLOAD_IPC_SHM:
		return ((const IpcShmEntry *)m)->in_pagemaps
			       ? 0
			       : (((const IpcShmEntry *)m)->size + 3) & ~3ull;
	default:
		return 0;
	}
}

static void fuzz_read_all(struct img *img)
{
	static uint8_t raw[1u << 16];
	ProtobufCMessage *m;

	while (img_read_msg(img, img_next_desc(img), &m) == 1) {
		uint64_t left = fuzz_payload_len(img->kind, m);
		int ret = 0;

		img_free_msg(m);
		/* Large claims are read in pieces, the way show skips them. */
		while (!ret && left) {
			size_t n = left > sizeof(raw) ? sizeof(raw) : (size_t)left;

			ret = img_read_raw(img, raw, n);
			left -= n;
		}
		if (ret)
			break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct img_dir dir = {.fd = -1};
	const struct img_kind_desc *kd;
	enum img_kind k;
	char name[256];

	if (dir.fd < 0) {
		log_init(LOG_ERROR, NULL);
		fuzz_scratch(&dir);
	}
	if (size < 2)
		return -1;
	k = (enum img_kind)(data[0] % IMG_KIND_MAX);
	kd = img_kind_desc(k);
	fuzz_img_name(kd, name, sizeof(name));
	fuzz_put_file(&dir, name, data + 2, size - 2);
	if (data[1] & 1) {
		ProtobufCMessage *m = NULL;

		if (kd->entry && img_read_one(&dir, k, FUZZ_IMG_ID, kd->entry, &m) == 0)
			img_free_msg(m);
	} else {
		struct img *img;

		if (img_open(&dir, k, FUZZ_IMG_ID, false, &img) == 0) {
			if (kd->entry)
				fuzz_read_all(img);
			img_close(img);
		}
	}
	fuzz_scratch_clear(&dir);
	return 0;
}
