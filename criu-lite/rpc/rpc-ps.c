/*
 * PAGE_SERVER and PAGE_SERVER_CHLD: criu-lite's page server (xfer/page-server.h)
 * started for a client as criu starts it. The socket listens before the
 * answer, which carries the server's pid and port (port 0 in criu_opts.ps:
 * any free port). PAGE_SERVER's server is a daemon in its own session;
 * PAGE_SERVER_CHLD's stays a child of this process, for the client's
 * WAIT_PID. Like `criu-lite page-server`, it serves one dump into the
 * request's images dir and exits (or on SIGTERM, discarding what is open).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "page-server.h"
#include "rpc-int.h"

static void rps_on_signal(int sig)
{
	(void)sig;
	page_server_stop = 1;
}

/*
 * The serving process: no RPC socket, no share in the client's error line.
 * A daemon (in its own session already) leaves the client's stdio and, as
 * `page-server --daemon`, a stderr pipe or socket: a client reading it to
 * its end would wait for us.
 */
static void __attribute__((noreturn))
rps_serve(struct rpc_req *r, int lfd, struct img_dir *base, bool daemon)
{
	struct sigaction sa;
	int ret, fd;

	log_keep_errors(NULL, 0);
	close(r->sk);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = rps_on_signal; /* no SA_RESTART: accept and recv return EINTR */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	fd = daemon ? open("/dev/null", O_RDWR | O_CLOEXEC) : -1;
	if (fd >= 0) {
		struct stat st;

		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		if (!fstat(STDERR_FILENO, &st) && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)))
			dup2(fd, STDERR_FILENO);
		close(fd);
	}
	ret = page_server_serve(lfd, base, true, true);
	pr_info("page server (RPC): done: %s", ret ? strerror(-ret) : "served one dump");
	_exit(ret ? 1 : 0);
}

/*
 * A daemon: an intermediate child starts the server in a new session, tells
 * its pid through a pipe and exits, so the server is nobody's child here.
 */
static pid_t rps_daemon(struct rpc_req *r, int lfd, struct img_dir *base)
{
	int p[2], st;
	pid_t mid, pid = -1;

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	mid = fork();
	if (mid == 0) {
		pid_t srv;

		close(p[0]);
		setsid();
		srv = fork();
		if (srv == 0) {
			close(p[1]);
			rps_serve(r, lfd, base, true);
		}
		_exit(srv < 0 || write(p[1], &srv, sizeof(srv)) != sizeof(srv));
	}
	close(p[1]);
	if (mid < 0) {
		close(p[0]);
		return -errno;
	}
	while (waitpid(mid, &st, 0) < 0 && errno == EINTR)
		;
	if (read(p[0], &pid, sizeof(pid)) != sizeof(pid) || pid <= 0)
		pid = -ECHILD;
	close(p[0]);
	return pid;
}

int rpc_page_server(struct rpc_req *r, bool daemon, CriuPageServerInfo *ps)
{
	struct img_dir base;
	int lfd, port = 0;
	pid_t pid;

	if (r->o.port < 0 || r->o.port > 65535) {
		pr_err("page server (RPC): criu_opts.ps.port %d is not a TCP port (0: any)",
		       r->o.port);
		return -EINVAL;
	}
	if (img_dir_open(r->o.images_dir,
			 IMG_DIR_CREATE | IMG_DIR_WRITE |
				 (r->o.allow_unsafe_images_dir ? IMG_DIR_TRUSTED : 0),
			 &base))
		return -EINVAL;
	page_server_clean_stale(&base);
	lfd = page_server_listen(r->o.address, r->o.port, &port);
	if (lfd < 0) {
		img_dir_close(&base);
		return lfd;
	}
	if (daemon) {
		pid = rps_daemon(r, lfd, &base);
	} else {
		pid = fork();
		if (pid == 0)
			rps_serve(r, lfd, &base, false);
		if (pid < 0)
			pid = -errno;
	}
	close(lfd);
	img_dir_close(&base);
	if (pid < 0) {
		pr_err("page server (RPC): cannot start the serving process: %s", strerror(-pid));
		return pid;
	}
	pr_info("page server (RPC): pid %d listening on %s:%d", (int)pid,
		r->o.address ? r->o.address : "*", port);
	ps->has_pid = ps->has_port = true;
	ps->pid = pid;
	ps->port = port;
	return 0;
}
