/*
 * Target for test/cr/unix-named.sh: named unix sockets in one state each.
 *
 * usage: unix_named RESULT MODE [PATH]
 *   pending  a listener at RESULT.sock with a connection not yet accepted
 *   alone    a listener at RESULT.sock and nothing else
 *   dgram-out  a datagram socket connected to the socket at PATH (another
 *            process's); its check sends "ext-ping" there
 *   outside  a socket connected to the listener at PATH (another process's)
 *   listen   a listener at RESULT.sock, a client and the accepted socket
 *   closed   the same pair, its listener closed (the socket file stays)
 * Writes RESULT.ready once set up; on SIGUSR1 checks the pair (names, round
 * trip) and writes "PASS" or "FAIL: why" to RESULT.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static volatile sig_atomic_t check_req;
static struct sockaddr_un addr = {.sun_family = AF_UNIX};
static int cli = -1, acc = -1, dgram_out;

static void on_usr1(int sig)
{
	(void)sig;
	check_req = 1;
}

static void report(const char *path, const char *what)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fprintf(f, "%s\n", what);
		fclose(f);
	}
}

static const char *check(void)
{
	struct sockaddr_un sa;
	socklen_t len = sizeof(sa);
	char buf[8];

	if (dgram_out) {
		if (getpeername(cli, (struct sockaddr *)&sa, &len) ||
		    strcmp(sa.sun_path, addr.sun_path))
			return "FAIL: getpeername of the datagram socket is not the outside peer's "
			       "path";
		return send(cli, "ext-ping", 8, 0) == 8 ? "PASS" : "FAIL: send to the outside peer";
	}
	if (acc < 0)
		return "PASS";
	if (getsockname(acc, (struct sockaddr *)&sa, &len) || strcmp(sa.sun_path, addr.sun_path))
		return "FAIL: getsockname of the accepted socket is not the listener's path";
	len = sizeof(sa);
	if (getpeername(cli, (struct sockaddr *)&sa, &len) || strcmp(sa.sun_path, addr.sun_path))
		return "FAIL: getpeername of the client is not the listener's path";
	if (write(cli, "ping", 4) != 4 || recv(acc, buf, 4, MSG_DONTWAIT) != 4 ||
	    memcmp(buf, "ping", 4))
		return "FAIL: the pair does not talk";
	return "PASS";
}

static int setup(const char *mode, const char *res, const char *path)
{
	int l = socket(AF_UNIX, SOCK_STREAM, 0);

	cli = socket(AF_UNIX, SOCK_STREAM, 0);
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path ? path : res);
	if (!path)
		strncat(addr.sun_path, ".sock", sizeof(addr.sun_path) - strlen(addr.sun_path) - 1);
	if (!strcmp(mode, "dgram-out")) {
		close(cli);
		dgram_out = 1;
		cli = socket(AF_UNIX, SOCK_DGRAM, 0);
		return connect(cli, (struct sockaddr *)&addr, sizeof(addr));
	}
	if (!strcmp(mode, "outside")) {
		close(l);
		return connect(cli, (struct sockaddr *)&addr, sizeof(addr));
	}
	if (!strcmp(mode, "alone"))
		return bind(l, (struct sockaddr *)&addr, sizeof(addr)) || listen(l, 4) ? -1 : 0;
	if (bind(l, (struct sockaddr *)&addr, sizeof(addr)) || listen(l, 4) ||
	    connect(cli, (struct sockaddr *)&addr, sizeof(addr)))
		return -1;
	if (!strcmp(mode, "pending"))
		return 0;
	acc = accept(l, NULL, NULL);
	if (!strcmp(mode, "closed"))
		close(l);
	return acc < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
	char ready[4200];

	if (argc < 3 || setup(argv[2], argv[1], argc > 3 ? argv[3] : NULL)) {
		perror("unix_named");
		return 1;
	}
	signal(SIGUSR1, on_usr1);
	snprintf(ready, sizeof(ready), "%s.ready", argv[1]);
	report(ready, "ready");
	for (;;) {
		sleep(1); /* not pause(): a signal just before it would be lost */
		if (check_req) {
			check_req = 0;
			report(argv[1], check());
		}
	}
}
