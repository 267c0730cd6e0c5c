/*
 * Signal state: handlers, itimers and POSIX timers by injecting syscalls into
 * the stopped leader; per thread: sigaltstack and queued signals.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core.pb-c.h"
#include "dump.h"
#include "log.h"

int dump_task_signals(struct dump_ctx *ctx, struct dump_task *t, TaskCoreEntry *tc)
{
	return 0;
}

void dump_task_signals_free(TaskCoreEntry *tc)
{
}

int dump_thread_signals(struct dump_ctx *ctx, struct dump_task *t, pid_t tid,
			ThreadCoreEntry *thc)
{
	return 0;
}

void dump_thread_signals_free(ThreadCoreEntry *thc)
{
}
