#include "cmd.h"

int cmd_pre_dump(const struct opts *o)
{
	return cmd_not_implemented("pre-dump");
}
