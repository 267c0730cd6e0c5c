#include "cmd.h"
#include "dump.h"

int cmd_dump(const struct opts *o)
{
	return dump_run_guarded(dump_run, o, NULL);
}
