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
#define FD_KIND_SLOTS (FD_TYPES__BPFMAP + 1)

#endif
