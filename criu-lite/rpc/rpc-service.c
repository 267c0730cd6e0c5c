/*
 * criu service: a unix SOCK_SEQPACKET socket at --address (criu's default,
 * ./criu_service.socket); each client is served by a child of its own.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "pidfile.h"
#include "rpc.h"

#define RPC_DEFAULT_ADDRESS "./criu_service.socket"

static int rpc_listen(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int sk;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		pr_err("service: socket path '%s' is too long", path);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	sk = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (sk < 0) {
		pr_err("service: socket: %s", strerror(errno));
		return -errno;
	}
	unlink(path); /* a socket left by an earlier service */
	if (bind(sk, (struct sockaddr *)&sa, sizeof(sa)) || listen(sk, 16)) {
		int err = errno;

		pr_err("service: cannot listen on '%s': %s", path, strerror(err));
		close(sk);
		return -err;
	}
	return sk;
}

int rpc_service(const struct opts *base)
{
	const char *path = base->address ? base->address : RPC_DEFAULT_ADDRESS;
	int sk = rpc_listen(path);

	if (sk < 0)
		return 1;
	if (base->daemon && daemon(1, 0)) {
		pr_err("service: cannot become a daemon: %s", strerror(errno));
		return 1;
	}
	if (base->pidfile && pidfile_write(base->pidfile, getpid()))
		return 1;
	pr_info("service: listening on '%s'", path);
	for (;;) {
		int c = accept4(sk, NULL, NULL, SOCK_CLOEXEC);
		pid_t child;

		while (waitpid(-1, NULL, WNOHANG) > 0)
			; /* clients served */
		if (c < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			pr_err("service: accept on '%s': %s", path, strerror(errno));
			return 1;
		}
		child = fork();
		if (child == 0) {
			close(sk);
			_exit(rpc_serve(c, base));
		}
		if (child < 0)
			pr_err("service: cannot fork for a client: %s", strerror(errno));
		close(c);
	}
}
