/*
 * Restore: lookups in the images read (struct rst_ctx) that every phase
 * needs (files by id: restore-filetab.c). Below all the other restore
 * files: it calls none of them.
 */
#include "restore.h"

struct rst_task *rst_task_by_pid(struct rst_ctx *c, pid_t pid)
{
	for (size_t i = 0; i < c->nr_tasks; i++)
		if (c->tasks[i].vpid == pid) /* recorded pids */
			return &c->tasks[i];
	return NULL;
}
