/*
 * Socket options of inet sockets survive: a TCP listener, both ends of an
 * established connection and a UDP socket, each with options set away from
 * their defaults (SO_BINDTODEVICE, a classic BPF filter, IP_FREEBIND,
 * SO_KEEPALIVE with TCP_KEEPIDLE/INTVL/CNT, TCP_NODELAY, TCP_CORK,
 * SO_RCVBUF/SNDBUF, SO_PRIORITY, SO_MARK, IP_TOS, IP_TTL, SO_LINGER,
 * SO_REUSEPORT, SO_BROADCAST). Every option is read before the dump and
 * compared after restore, and the connection still carries data.
 */
#include <linux/filter.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "zdtmtst.h"

struct opt {
	const char *name;
	int level, opt, val; /* val: what the test sets (0: read only) */
};

static const struct opt tcp_opts[] = {
	{"SO_KEEPALIVE", SOL_SOCKET, SO_KEEPALIVE, 1},
	{"TCP_KEEPIDLE", IPPROTO_TCP, TCP_KEEPIDLE, 77},
	{"TCP_KEEPINTVL", IPPROTO_TCP, TCP_KEEPINTVL, 11},
	{"TCP_KEEPCNT", IPPROTO_TCP, TCP_KEEPCNT, 5},
	{"SO_RCVBUF", SOL_SOCKET, SO_RCVBUF, 65536},
	{"SO_SNDBUF", SOL_SOCKET, SO_SNDBUF, 40960},
	{"SO_PRIORITY", SOL_SOCKET, SO_PRIORITY, 5},
	{"SO_MARK", SOL_SOCKET, SO_MARK, 42},
	{"IP_TOS", IPPROTO_IP, IP_TOS, 0x10},
	{"IP_TTL", IPPROTO_IP, IP_TTL, 33},
	{"IP_FREEBIND", IPPROTO_IP, IP_FREEBIND, 1},
	{"SO_REUSEPORT", SOL_SOCKET, SO_REUSEPORT, 1},
	{"SO_BROADCAST", SOL_SOCKET, SO_BROADCAST, 1},
};
#define NR_OPTS (sizeof(tcp_opts) / sizeof(tcp_opts[0]))

enum { L, C, S, U, NR_SK };
static const char *const sk_names[NR_SK] = {"listener", "connecting end", "accepted end", "udp"};

static struct sock_filter prog[] = {
	BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0),
	BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 1, 0, 1),
	BPF_STMT(BPF_RET | BPF_K, 0xffffffff),
	BPF_STMT(BPF_RET | BPF_K, 0xfffffffe),
};
#define NR_INSNS (sizeof(prog) / sizeof(prog[0]))

struct state {
	int v[NR_OPTS];
	struct linger lg;
	char dev[IFNAMSIZ];
	struct sock_filter f[NR_INSNS + 1];
	socklen_t nf;
	int nodelay, cork;
};

static void set_opts(int sk, int first, int last)
{
	struct sock_fprog fp = {NR_INSNS, prog};
	struct linger lg = {1, 7};

	for (int i = first; i < last; i++)
		if (setsockopt(sk, tcp_opts[i].level, tcp_opts[i].opt, &tcp_opts[i].val,
			       sizeof(int)))
			test_skip("setsockopt %s: %m", tcp_opts[i].name);
	if (setsockopt(sk, SOL_SOCKET, SO_BINDTODEVICE, "lo", 3) ||
	    setsockopt(sk, SOL_SOCKET, SO_ATTACH_FILTER, &fp, sizeof(fp)) ||
	    setsockopt(sk, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)))
		test_skip("setsockopt: %m");
}

static void read_opts(int sk, bool tcp, struct state *st)
{
	socklen_t len;

	memset(st, 0, sizeof(*st));
	for (size_t i = 0; i < NR_OPTS; i++) {
		len = sizeof(int);
		if ((tcp || tcp_opts[i].level != IPPROTO_TCP) &&
		    getsockopt(sk, tcp_opts[i].level, tcp_opts[i].opt, &st->v[i], &len))
			st->v[i] = -1;
	}
	len = sizeof(st->lg);
	getsockopt(sk, SOL_SOCKET, SO_LINGER, &st->lg, &len);
	len = sizeof(st->dev);
	getsockopt(sk, SOL_SOCKET, SO_BINDTODEVICE, st->dev, &len);
	st->nf = NR_INSNS + 1;
	if (getsockopt(sk, SOL_SOCKET, SO_GET_FILTER, st->f, &st->nf))
		st->nf = 0;
	len = sizeof(int);
	if (tcp)
		getsockopt(sk, IPPROTO_TCP, TCP_NODELAY, &st->nodelay, &len);
	len = sizeof(int);
	if (tcp)
		getsockopt(sk, IPPROTO_TCP, TCP_CORK, &st->cork, &len);
}

static void compare(int i, const struct state *a, const struct state *b)
{
	const char *w = sk_names[i];

	for (size_t k = 0; k < NR_OPTS; k++)
		if (a->v[k] != b->v[k])
			fail("%s: %s is %d after restore, was %d", w, tcp_opts[k].name, b->v[k],
			     a->v[k]);
	if (a->lg.l_onoff != b->lg.l_onoff || a->lg.l_linger != b->lg.l_linger)
		fail("%s: SO_LINGER is {%d, %d}, was {%d, %d}", w, b->lg.l_onoff, b->lg.l_linger,
		     a->lg.l_onoff, a->lg.l_linger);
	if (strcmp(a->dev, b->dev))
		fail("%s: SO_BINDTODEVICE is '%s', was '%s'", w, b->dev, a->dev);
	if (a->nf != b->nf || memcmp(a->f, b->f, a->nf * sizeof(a->f[0])))
		fail("%s: the BPF filter differs (%u instructions, was %u)", w, b->nf, a->nf);
	if (a->nodelay != b->nodelay || a->cork != b->cork)
		fail("%s: TCP_NODELAY/TCP_CORK %d/%d, was %d/%d", w, b->nodelay, b->cork,
		     a->nodelay, a->cork);
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	struct state before[NR_SK], after;
	socklen_t len = sizeof(a);
	int sk[NR_SK], one = 1;
	char buf[8] = "";

	test_init(argc, argv);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sk[L] = socket(AF_INET, SOCK_STREAM, 0);
	sk[C] = socket(AF_INET, SOCK_STREAM, 0);
	sk[U] = socket(AF_INET, SOCK_DGRAM, 0);
	if (sk[L] < 0 || sk[C] < 0 || sk[U] < 0)
		test_skip("socket: %m");
	set_opts(sk[L], 0, NR_OPTS);
	set_opts(sk[C], 0, NR_OPTS);
	set_opts(sk[U], 4, NR_OPTS);
	if (bind(sk[L], (struct sockaddr *)&a, sizeof(a)) || listen(sk[L], 4) ||
	    getsockname(sk[L], (struct sockaddr *)&a, &len) ||
	    connect(sk[C], (struct sockaddr *)&a, sizeof(a)) ||
	    (sk[S] = accept(sk[L], NULL, NULL)) < 0)
		test_skip("tcp loopback: %m");
	if (setsockopt(sk[C], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) ||
	    setsockopt(sk[S], IPPROTO_TCP, TCP_CORK, &one, sizeof(one)))
		test_skip("TCP_NODELAY/TCP_CORK: %m");
	a.sin_port = 0;
	if (bind(sk[U], (struct sockaddr *)&a, sizeof(a)))
		test_skip("udp bind: %m");
	for (int i = 0; i < NR_SK; i++)
		read_opts(sk[i], i != U, &before[i]);
	test_daemon();
	test_waitsig();

	for (int i = 0; i < NR_SK; i++) {
		read_opts(sk[i], i != U, &after);
		compare(i, &before[i], &after);
	}
	if (write(sk[C], "ping", 4) != 4 || read(sk[S], buf, 4) != 4 || memcmp(buf, "ping", 4))
		fail("the connection no longer carries data: %m");
	for (int i = 0; i < NR_SK; i++)
		close(sk[i]);
	return test_done();
}
