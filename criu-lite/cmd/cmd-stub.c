#include "cmd.h"
#include "log.h"

int cmd_not_implemented(const char *what)
{
	pr_err("%s: not implemented", what);
	return CMD_NOT_IMPLEMENTED;
}
