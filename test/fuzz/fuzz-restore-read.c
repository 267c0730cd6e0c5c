/*
 * Fuzz target: restore's reading phase. The input is an image set in the
 * container of fuzz-util.h; it is unpacked into a scratch directory and
 * rst_read_all reads and checks it as `restore -D` would, creating nothing.
 * When it accepts a set, what it promises the later phases is checked too:
 * every page run lies inside the task's vmas and inside its pages file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz-util.h"
#include "log.h"
#include "restore.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_broken(const struct rst_task *t, const struct rst_seg *s, const char *what)
{
	fprintf(stderr, "fuzz: pid %d: accepted page run 0x%lx+0x%lx (file offset %llu) %s\n",
		t->pid, s->vaddr, s->len, (unsigned long long)s->off, what);
	abort();
}

/* Whether [a, e) is covered by the (sorted, checked) vmas of @mm. */
static bool fuzz_in_vmas(const MmEntry *mm, unsigned long a, unsigned long e)
{
	for (size_t i = 0; i < mm->n_vmas && a < e; i++)
		if (mm->vmas[i]->start <= a && mm->vmas[i]->end > a)
			a = mm->vmas[i]->end;
	return a >= e;
}

static void fuzz_check_pages(const struct rst_task *t)
{
	unsigned long prev_end = 0;

	for (size_t i = 0; i < t->pages.n; i++) {
		const struct rst_seg *s = &t->pages.s[i];
		struct stat st;

		if (!s->len || s->vaddr + s->len < s->vaddr)
			fuzz_broken(t, s, "is empty or wraps around");
		if (s->vaddr < prev_end)
			fuzz_broken(t, s, "overlaps the previous one");
		if (!fuzz_in_vmas(t->mm, s->vaddr, s->vaddr + s->len))
			fuzz_broken(t, s, "lies outside the vmas");
		if (fstat(s->pages_fd, &st) || s->off + s->len > (uint64_t)st.st_size)
			fuzz_broken(t, s, "lies past the end of its pages file");
		prev_end = s->vaddr + s->len;
	}
}

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
	if (rst_read_all(&c, dir.path) == 0)
		for (size_t i = 0; i < c.nr_tasks; i++)
			if (c.tasks[i].mm)
				fuzz_check_pages(&c.tasks[i]);
	rst_ctx_fini(&c);
	fuzz_scratch_clear(&dir);
	return 0;
}
