/*
 * Helpers shared by the libFuzzer targets: a scratch directory on tmpfs that
 * each input is written into, and the image-set container the restore target
 * reads (docs/fuzzing.md).
 */
#ifndef CRL_FUZZ_UTIL_H
#define CRL_FUZZ_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "img.h"

/*
 * Opens (creating it on the first call) this process's scratch directory,
 * $CRL_FUZZ_TMP or /dev/shm or /tmp, as @d. Aborts on failure: a target that
 * cannot set up must not report a clean run.
 */
void fuzz_scratch(struct img_dir *d);
/* Empties @d, one level of subdirectories included (page-server staging). */
void fuzz_scratch_clear(const struct img_dir *d);
/* Creates DIR/@name holding @len bytes of @data. Aborts on failure. */
void fuzz_put_file(const struct img_dir *d, const char *name, const void *data, size_t len);

/*
 * Image-set container, one record per file:
 *
 *   record := u8 nlen  name[nlen & 0x7f]  u32le size  [data[size]]
 *
 * With bit 7 of nlen set the file is @size zero bytes and no data follows
 * (pages files, whose content no reader looks at). A size past the end of
 * the input takes what is left. Records with a name that is not one plain
 * file name are skipped. Unpacks into @d; returns the number of files.
 */
#define FUZZ_SET_SIZED 0x80
#define FUZZ_SET_MAX_FILES 64
#define FUZZ_SET_MAX_SIZED (64u << 20)
int fuzz_set_unpack(const struct img_dir *d, const uint8_t *p, size_t len);

#endif
