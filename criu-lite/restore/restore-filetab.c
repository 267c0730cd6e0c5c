/*
 * The open-file objects of a restore (files.img, c->fentries and the tool's
 * descriptors in c->files), looked up by id, and each fd kind's state:
 * below the kinds, which use both.
 */
#include <stdlib.h>

#include "restore-fd.h"

const FileEntry *rst_file_entry(const struct rst_ctx *c, uint32_t id)
{
	for (size_t i = 0; i < c->nr_files; i++)
		if (c->fentries[i]->id == id)
			return c->fentries[i];
	return NULL;
}

int rst_file_index(const struct rst_ctx *c, uint32_t id)
{
	for (size_t i = 0; i < c->nr_files; i++)
		if (c->fentries[i]->id == id)
			return (int)i;
	return -1;
}

void *rst_fd_state(struct rst_ctx *c, const struct fd_rst_ops *k)
{
	if (!c->fd_state[k->type] && k->init)
		c->fd_state[k->type] = k->init();
	return c->fd_state[k->type];
}
