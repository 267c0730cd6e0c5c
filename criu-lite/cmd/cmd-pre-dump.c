#include "caps.h"
#include "cmd.h"
#include "dump.h"

/* Memory only, with write tracking started (or continued); the tree always runs on. */
int cmd_pre_dump(const struct opts *o)
{
	struct dump_hooks h = {.pre_dump = true};

	if (caps_enter(o) || caps_require(o, "pre-dump"))
		return 1;
	return dump_run_guarded(dump_run, o, &h);
}
