#include "cmd.h"

int cmd_dump(const struct opts *o)
{
	return cmd_not_implemented("dump");
}
