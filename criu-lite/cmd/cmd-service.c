/* criu-lite service [--address PATH] [--daemon] [--pidfile F]: criu's RPC on a unix socket. */
#include "cmd.h"
#include "rpc.h"

int cmd_service(const struct opts *o)
{
	return rpc_service(o);
}
