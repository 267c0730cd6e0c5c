/*
 * The open-file objects of a restore (files.img, c->fentries and the tool's
 * descriptors in c->files), looked up by id, and each fd kind's state:
 * below the kinds, which use both.
 */
#include <errno.h>
#include <stdlib.h>

#include "restore-fd.h"

/* qsort has no argument for the table: the one being sorted, set around the call. */
static FileEntry *const *filetab_sorting;

static int filetab_cmp(const void *a, const void *b)
{
	uint32_t x = filetab_sorting[*(const uint32_t *)a]->id;
	uint32_t y = filetab_sorting[*(const uint32_t *)b]->id;

	if (x != y)
		return x < y ? -1 : 1;
	return *(const uint32_t *)a < *(const uint32_t *)b ? -1 : 1;
}

/*
 * Every fd of every process looks its file up by id (10,000 fds: 10^8
 * comparisons when each lookup walked the table).
 */
int rst_filetab_index(struct rst_ctx *c)
{
	free(c->file_ix);
	c->file_ix = malloc((c->nr_files ? c->nr_files : 1) * sizeof(*c->file_ix));
	if (!c->file_ix)
		return -ENOMEM;
	for (size_t i = 0; i < c->nr_files; i++)
		c->file_ix[i] = (uint32_t)i;
	filetab_sorting = c->fentries;
	qsort(c->file_ix, c->nr_files, sizeof(*c->file_ix), filetab_cmp);
	filetab_sorting = NULL;
	return 0;
}

int rst_file_index(const struct rst_ctx *c, uint32_t id)
{
	size_t lo = 0, hi = c->nr_files;

	if (!c->file_ix) {
		for (size_t i = 0; i < c->nr_files; i++)
			if (c->fentries[i]->id == id)
				return (int)i;
		return -1;
	}
	/* the first of equal ids, as the walk found it */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (c->fentries[c->file_ix[mid]]->id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < c->nr_files && c->fentries[c->file_ix[lo]]->id == id)
		return (int)c->file_ix[lo];
	return -1;
}

const FileEntry *rst_file_entry(const struct rst_ctx *c, uint32_t id)
{
	int i = rst_file_index(c, id);

	return i >= 0 ? c->fentries[i] : NULL;
}

void *rst_fd_state(struct rst_ctx *c, const struct fd_rst_ops *k)
{
	if (!c->fd_state[k->type] && k->init)
		c->fd_state[k->type] = k->init();
	return c->fd_state[k->type];
}
