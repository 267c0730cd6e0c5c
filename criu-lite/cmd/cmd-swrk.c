/* criu-lite swrk FD: serve criu's RPC on the socket FD the caller passed down (pycriu, go-criu,
 * runc). */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "cmd.h"
#include "log.h"
#include "rpc.h"

/* Callers may close stdio (pycriu does): keep 0-2 taken so no image or socket lands there. */
static void swrk_stdio(void)
{
	for (int fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", O_RDWR) != fd)
			break;
	}
}

int cmd_swrk(const struct opts *o)
{
	char *end;
	long fd;

	swrk_stdio();
	if (!o->swrk_fd) {
		pr_err("swrk: usage: swrk FD (a unix socket)");
		return 1;
	}
	fd = strtol(o->swrk_fd, &end, 10);
	if (*end || fd < 0 || fd > 1 << 20) {
		pr_err("swrk: '%s' is not a file descriptor", o->swrk_fd);
		return 1;
	}
	fcntl((int)fd, F_SETFD, FD_CLOEXEC);
	return rpc_serve((int)fd, o);
}
