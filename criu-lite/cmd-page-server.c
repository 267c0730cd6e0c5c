#include "cmd.h"

int cmd_page_server(const struct opts *o)
{
	return cmd_not_implemented("page-server");
}
