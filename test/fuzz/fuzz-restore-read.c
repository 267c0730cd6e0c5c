/*
 * Fuzz target: restore's reading phase. The input is an image set in the
 * container of fuzz-util.h; it is unpacked into a scratch directory and
 * rst_read_all reads and checks it as `restore -D` would, creating nothing.
 */
#include <string.h>

#include "fuzz-util.h"
#include "log.h"
#include "restore.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct img_dir dir = {.fd = -1};
	struct rst_ctx c;

	if (dir.fd < 0) {
		log_init(LOG_ERROR, NULL);
		fuzz_scratch(&dir);
	}
	fuzz_set_unpack(&dir, data, size);
	memset(&c, 0, sizeof(c));
	rst_read_all(&c, dir.path);
	rst_ctx_fini(&c);
	fuzz_scratch_clear(&dir);
	return 0;
}
