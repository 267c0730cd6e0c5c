#include "cmd.h"
#include "dump.h"

/* Memory only, with write tracking started (or continued); the tree always runs on. */
int cmd_pre_dump(const struct opts *o)
{
	struct dump_hooks h = { .pre_dump = true };

	return dump_run_guarded(dump_run, o, &h);
}
