#include "cmd.h"
#include "dump.h"

int cmd_dump(const struct opts *o)
{
	dump_install_signal_handlers();
	return dump_run(o, NULL) ? 1 : 0;
}
