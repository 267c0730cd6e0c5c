/*
 * Fuzz target: `criu-lite show`. The input is one image file; img_show prints
 * it as text and as JSON (to /dev/null), taking its kind from its magic.
 */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz-util.h"
#include "img-show.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct img_dir dir = {.fd = -1};
	static FILE *out;
	char path[sizeof(dir.path) + 16];

	if (dir.fd < 0) {
		log_init(LOG_ERROR, NULL);
		fuzz_scratch(&dir);
		out = fopen("/dev/null", "w");
		if (!out)
			abort();
	}
	fuzz_put_file(&dir, "show.img", data, size);
	snprintf(path, sizeof(path), "%s/show.img", dir.path);
	img_show(path, false, out);
	img_show(path, true, out);
	fuzz_scratch_clear(&dir);
	return 0;
}
