#include "cmd.h"

int cmd_restore(const struct opts *o)
{
	return cmd_not_implemented("restore");
}
