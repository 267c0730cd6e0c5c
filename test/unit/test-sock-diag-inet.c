/* sock_diag for inet: a listener of ours shows with its port and backlog, a UDP peer pair too. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sock-diag.h"
#include "tap.h"

static int bound(int type, struct sockaddr_in *a)
{
	socklen_t len = sizeof(*a);
	int sk = socket(AF_INET, type, 0);

	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (sk < 0 || bind(sk, (struct sockaddr *)a, sizeof(*a)) ||
	    getsockname(sk, (struct sockaddr *)a, &len))
		return -1;
	return sk;
}

static uint32_t ino_of(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? 0 : (uint32_t)st.st_ino;
}

int main(void)
{
	const struct sock_diag_inet *l, *u, *c;
	struct sock_diag_inet *v = NULL;
	struct sockaddr_in al, au, ac;
	int lsk, usk, csk, unb, ret;
	size_t n = 0;

	lsk = bound(SOCK_STREAM, &al);
	usk = bound(SOCK_DGRAM, &au);
	csk = bound(SOCK_DGRAM, &ac);
	unb = socket(AF_INET, SOCK_DGRAM, 0);
	if (lsk < 0 || usk < 0 || csk < 0 || unb < 0 || listen(lsk, 5) ||
	    connect(csk, (struct sockaddr *)&au, sizeof(au)))
		return 77;
	ret = sock_diag_inet_list(&v, &n);
	if (ret == -EPROTONOSUPPORT || ret == -ENOENT) {
		skip("inet_diag not available (%d)", ret);
		return 77;
	}
	ok(ret == 0, "sock_diag_inet_list returns 0 (%d)", ret);
	for (size_t i = 1; i < n; i++)
		if (v[i - 1].ino > v[i].ino) {
			ok(0, "list sorted by inode");
			break;
		}
	l = sock_diag_inet_find(v, n, ino_of(lsk));
	u = sock_diag_inet_find(v, n, ino_of(usk));
	c = sock_diag_inet_find(v, n, ino_of(csk));
	ok(l != NULL, "listener found by inode");
	if (l) {
		ok(l->state == 10 && l->proto == IPPROTO_TCP, "TCP, LISTEN (%u)", l->state);
		ok(l->sport == ntohs(al.sin_port), "port %u", l->sport);
		ok(l->src[0] == htonl(INADDR_LOOPBACK), "bound to 127.0.0.1");
		ok(l->wqlen == 5 && l->rqlen == 0, "backlog 5 (%u), nothing to accept", l->wqlen);
	}
	ok(u && u->proto == IPPROTO_UDP && u->state == 7, "bound UDP socket: UDP, CLOSE");
	ok(c && c->state == 1 && c->dport == ntohs(au.sin_port),
	   "connected UDP socket: ESTABLISHED to the other's port");
	ok(sock_diag_inet_find(v, n, ino_of(unb)) == NULL, "an unbound socket is not listed");
	free(v);
	return tap_done();
}
