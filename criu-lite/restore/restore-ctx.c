/*
 * Restore: lookups in the images read (struct rst_ctx) that every phase
 * needs. Below all the other restore files: it calls none of them.
 */
#include "restore.h"

const FileEntry *rst_file_entry(const struct rst_ctx *c, uint32_t id)
{
	for (size_t i = 0; i < c->nr_files; i++)
		if (c->fentries[i]->id == id)
			return c->fentries[i];
	return NULL;
}

struct rst_task *rst_task_by_pid(struct rst_ctx *c, pid_t pid)
{
	for (size_t i = 0; i < c->nr_tasks; i++)
		if (c->tasks[i].pid == pid)
			return &c->tasks[i];
	return NULL;
}
