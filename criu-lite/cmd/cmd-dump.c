#include "caps.h"
#include "cmd.h"
#include "dump.h"

int cmd_dump(const struct opts *o)
{
	if (caps_enter(o) || caps_require(o, "dump"))
		return 1;
	return dump_run_guarded(dump_run, o, NULL);
}
