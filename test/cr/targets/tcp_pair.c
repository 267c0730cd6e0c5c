/*
 * Target holding an established TCP connection with both ends in the
 * process (loopback), SO_REUSEADDR set on the connecting end. Writes
 * DIR/ready; each time DIR/check appears it removes it, sends a message each
 * way, reads them back and checks SO_REUSEADDR, and writes "PASS" or
 * "FAIL: why" to DIR/result.
 *
 * usage: tcp_pair DIR
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static char dir[512];

static void put(const char *name, const char *text)
{
	char path[600], tmp[610];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return;
	fputs(text, f);
	fclose(f);
	rename(tmp, path);
}

/* Sends @msg on @a and reads it on @b within 2 s; 0 or a reason. */
static const char *round_trip(int a, int b, const char *msg)
{
	struct pollfd p = {.fd = b, .events = POLLIN};
	char buf[64] = "";
	size_t len = strlen(msg);

	if (write(a, msg, len) != (ssize_t)len)
		return "write failed";
	if (poll(&p, 1, 2000) != 1)
		return "no data within 2 s";
	if (read(b, buf, sizeof(buf) - 1) != (ssize_t)len || strcmp(buf, msg))
		return "wrong data";
	return NULL;
}

static void check(int c, int s)
{
	const char *why = round_trip(c, s, "ping");
	int reuse = 0;
	socklen_t len = sizeof(reuse);
	char buf[128];

	if (!why)
		why = round_trip(s, c, "pong");
	if (!why && (getsockopt(c, SOL_SOCKET, SO_REUSEADDR, &reuse, &len) || !reuse))
		why = "SO_REUSEADDR was lost";
	snprintf(buf, sizeof(buf), why ? "FAIL: %s\n" : "PASS\n", why);
	put("result", buf);
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t alen = sizeof(a);
	int l, c, s, one = 1;
	char path[600];

	if (argc < 2)
		return 2;
	snprintf(dir, sizeof(dir), "%s", argv[1]);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM, 0);
	c = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0 || c < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 1) ||
	    getsockname(l, (struct sockaddr *)&a, &alen) ||
	    setsockopt(c, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    connect(c, (struct sockaddr *)&a, sizeof(a)))
		return 1;
	s = accept(l, NULL, NULL);
	if (s < 0)
		return 1;
	close(l);
	put("ready", "1\n");
	snprintf(path, sizeof(path), "%s/check", dir);
	for (;;) {
		usleep(10000);
		if (access(path, F_OK))
			continue;
		unlink(path);
		check(c, s);
	}
}
