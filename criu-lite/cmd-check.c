#include "cmd.h"

int cmd_check(const struct opts *o)
{
	return cmd_not_implemented("check");
}
