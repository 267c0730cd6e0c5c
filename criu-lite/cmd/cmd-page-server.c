/*
 * criu-lite page-server -D DIR [--address A] --port P [--daemon]
 *                       [--pidfile F] [--status-fd FD]
 *
 * Once listening it prints "page-server: listening on ADDR:PORT" on stdout
 * (from the parent, just before it exits, with --daemon) and writes the same
 * line to --status-fd, then closes that fd. --pidfile gets the serving
 * process's pid. Like criu's, it serves one dump: it exits when the first
 * client that got past HELLO is done (or on SIGTERM/SIGINT).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "log.h"
#include "pidfile.h"
#include "page-server.h"

static void ps_on_signal(int sig)
{
	(void)sig;
	page_server_stop = 1;
}

/* No SA_RESTART: a blocked accept or recv returns EINTR and the server stops. */
static void ps_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = ps_on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

static void ps_ready(const struct opts *o, const char *line)
{
	printf("%s\n", line);
	fflush(stdout);
	if (o->status_fd >= 0) {
		if (write(o->status_fd, line, strlen(line)) < 0 || write(o->status_fd, "\n", 1) < 0)
			pr_warn("page-server: status fd %d: %s", o->status_fd, strerror(errno));
		close(o->status_fd);
	}
}

/*
 * The serving child: own session, no terminal. stderr stays where it was
 * unless it is a pipe (a caller reading our output would wait for its end).
 */
static void ps_detach(void)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	struct stat st;

	setsid();
	if (fd < 0)
		return;
	dup2(fd, STDIN_FILENO);
	dup2(fd, STDOUT_FILENO);
	if (!fstat(STDERR_FILENO, &st) && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)))
		dup2(fd, STDERR_FILENO);
	close(fd);
}

/* Returns in the serving process; the launching parent exits from here. */
static int ps_daemonize(const struct opts *o, const char *line)
{
	pid_t pid = fork();

	if (pid < 0) {
		pr_err("page-server: fork: %s", strerror(errno));
		return -errno;
	}
	if (pid > 0) {
		int ret = o->pidfile ? pidfile_write(o->pidfile, pid) : 0;

		if (ret) {
			kill(pid, SIGTERM);
			_exit(1);
		}
		ps_ready(o, line);
		_exit(0);
	}
	if (o->status_fd >= 0)
		close(o->status_fd);
	ps_detach();
	return 0;
}

int cmd_page_server(const struct opts *o)
{
	struct img_dir base;
	char line[256];
	int lfd, port = 0, ret;

	if (o->port <= 0) {
		pr_err("page-server: --port is needed");
		return 1;
	}
	if (img_dir_open(o->images_dir ? o->images_dir : ".",
			 IMG_DIR_CREATE | IMG_DIR_WRITE |
				 (o->allow_unsafe_images_dir ? IMG_DIR_TRUSTED : 0),
			 &base))
		return 1;
	page_server_clean_stale(&base);
	lfd = page_server_listen(o->address, o->port, &port);
	if (lfd < 0) {
		img_dir_close(&base);
		return 1;
	}
	ps_signals();
	snprintf(line, sizeof(line), "page-server: listening on %s:%d",
		 o->address ? o->address : "*", port);
	/* criu's page-server takes -d for --daemon */
	if (o->daemon || o->restore_detached) {
		ret = ps_daemonize(o, line);
	} else {
		ret = o->pidfile ? pidfile_write(o->pidfile, getpid()) : 0;
		if (!ret)
			ps_ready(o, line);
	}
	if (!ret)
		ret = page_server_serve(lfd, &base, true, !o->no_page_checksums);
	close(lfd);
	img_dir_close(&base);
	return ret ? 1 : 0;
}
