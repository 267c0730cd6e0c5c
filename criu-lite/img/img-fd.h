/*
 * The fd kinds as the image layer knows them (docs/architecture.md, "fd
 * kinds"): a kind is keyed by the FileEntry type it owns (FD_TYPES__*), on
 * the dump side (dump/dump-files.h), the restore side (restore/restore-fd.h)
 * and here, for show (img-fd.c).
 */
#ifndef CRL_IMG_FD_H
#define CRL_IMG_FD_H

#include <stdint.h>

#include "files.pb-c.h"

/* Every FileEntry type a kind owns is below this: the size of a run's array of kind states. */
#define FD_KIND_SLOTS (FD_TYPES__PIDFD + 1)

struct img;
struct img_kind_desc;

/*
 * What show knows of one fd kind: its name and the images it writes whose
 * entries carry raw data after them (pipe data, ghost file content, queued
 * socket bytes, TCP queues), with the length of that data.
 */
struct img_fd_show {
	FdTypes type;
	const char *name;
	struct img_fd_data {
		int img;				    /* enum img_kind */
		uint64_t (*len)(const ProtobufCMessage *m); /* NULL ends the list */
	} data[2];
};

extern const struct img_fd_show img_fd_kinds[];
extern const size_t img_fd_nr_kinds;
/* The namespace images (not an fd kind's) with raw data after their entries; NULL len ends. */
extern const struct img_fd_data img_ns_data[];
/* The show entry of FileEntry type @type, or NULL. */
const struct img_fd_show *img_fd_show_kind(int type);
/* The length of the raw data after entry @m of an image of kind @k; 0 for none. */
uint64_t img_fd_data_len(const struct img_kind_desc *k, const ProtobufCMessage *m);

#endif
