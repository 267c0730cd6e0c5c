/*
 * sock_diag for inet: a listener of ours shows with its port and backlog, a
 * UDP peer pair too; 600 bound UDP sockets, a dump that takes several reads,
 * are all listed with their ports.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
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

/*
 * The kernel puts at most 32 KiB of a dump into one read (netlink_recvmsg()
 * caps max_recvmsg_len there); each reply is at least an nlmsghdr and an
 * inet_diag_msg (88 bytes), so 600 sockets make one UDP/IPv4 dump of over
 * 50 KiB, NLM_F_MULTI over several reads.
 */
#define MANY_UDP 600
#define MIN_REPLY 88u

static void check_many(void)
{
	struct rlimit rl = {0};
	size_t made = 0, found = 0, n = 0, room;
	struct sockaddr_in a[MANY_UDP];
	struct sock_diag_inet *v = NULL;
	int sk[MANY_UDP], ret;

	getrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_cur < MANY_UDP + 64) {
		rl.rlim_cur = rl.rlim_max < MANY_UDP + 64 ? rl.rlim_max : MANY_UDP + 64;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	room = (size_t)rl.rlim_cur;
	while (made < MANY_UDP && made + 64 < room && (sk[made] = bound(SOCK_DGRAM, &a[made])) >= 0)
		made++;
	if (made * MIN_REPLY <= 32u << 10) {
		skip("%zu UDP sockets (RLIMIT_NOFILE %zu): too few for a multi-part dump", made,
		     room);
		goto out;
	}
	ret = sock_diag_inet_list(&v, &n);
	ok(ret == 0 && n >= made, "list with %zu bound UDP sockets: %zu sockets (%d)", made, n,
	   ret);
	for (size_t i = 0; i < made; i++) {
		const struct sock_diag_inet *s = sock_diag_inet_find(v, n, ino_of(sk[i]));

		found += s && s->proto == IPPROTO_UDP && s->sport == ntohs(a[i].sin_port);
	}
	ok(found == made, "multi-part dump (over %zu KiB): all %zu listed with their ports (%zu)",
	   made * MIN_REPLY >> 10, made, found);
out:
	free(v);
	for (size_t i = 0; i < made; i++)
		close(sk[i]);
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
	check_many();
	return tap_done();
}
