/*
 * Target for the network lock tests: a dual-stack TCP echo server (IPv6
 * socket, IPV6_V6ONLY off, so IPv4 clients arrive as v4-mapped addresses).
 * Every byte a client sends comes back; the clients check the stream. With
 * "noaccept" it listens and never accepts (its queue only fills); with
 * "slow" it takes 150 ms over each accept (a queue drains slowly); with
 * "halfclose" a client's end of stream leaves its socket open (CLOSE_WAIT).
 * Writes DIR/ready once listening.
 *
 * usage: tcp_echo_srv DIR PORT [noaccept|slow|halfclose]
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_CLIENTS 128

int main(int argc, char **argv)
{
	struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_ANY_INIT};
	struct pollfd p[MAX_CLIENTS + 1];
	int ls, off = 0, one = 1, n = 1, slow = argc > 3 && !strcmp(argv[3], "slow");
	int half = argc > 3 && !strcmp(argv[3], "halfclose");
	char path[512], buf[4096];
	FILE *f;

	if (argc < 3)
		return 2;
	a.sin6_port = htons((uint16_t)atoi(argv[2]));
	ls = socket(AF_INET6, SOCK_STREAM, 0);
	if (ls < 0 || setsockopt(ls, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) ||
	    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(ls, (struct sockaddr *)&a, sizeof(a)) || listen(ls, 64))
		return 1;
	snprintf(path, sizeof(path), "%s/ready", argv[1]);
	f = fopen(path, "w");
	if (!f)
		return 1;
	fputs("ready\n", f);
	fclose(f);
	if (argc > 3 && !strcmp(argv[3], "noaccept"))
		for (;;)
			pause();
	p[0] = (struct pollfd){.fd = ls, .events = POLLIN};
	for (;;) {
		if (poll(p, (nfds_t)n, -1) < 0)
			continue;
		for (int i = n - 1; i >= 1; i--) {
			ssize_t got;

			if (!p[i].revents)
				continue;
			got = read(p[i].fd, buf, sizeof(buf));
			if (got > 0 && write(p[i].fd, buf, (size_t)got) == got)
				continue;
			if (!(got == 0 && half))
				close(p[i].fd); /* the client went away (or broke the stream) */
			p[i] = p[--n];
		}
		if ((p[0].revents & POLLIN) && n <= MAX_CLIENTS) {
			int c = accept(ls, NULL, NULL);

			if (c >= 0 && slow)
				usleep(150000);
			if (c >= 0)
				p[n++] = (struct pollfd){.fd = c, .events = POLLIN};
		}
	}
}
