/*
 * A server-style TCP listener with SO_REUSEADDR (which its accepted
 * connection inherits) and a client that set SO_REUSEADDR too: both ends of
 * the connection must be rebound to the listener's port while it listens.
 * Restore must keep repair mode's forced address reuse for that bind and
 * give SO_REUSEADDR back afterwards: after restore data flows both ways,
 * the listener accepts, and every socket still reports SO_REUSEADDR. The
 * options the connection negotiated (MSS clamp set to 1000, window scaling,
 * SACK, timestamps) are the same after restore (TCP_REPAIR_OPTIONS).
 */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "zdtmtst.h"

static void check_reuse(const char *what, int sk)
{
	int v = 0;
	socklen_t len = sizeof(v);

	if (getsockopt(sk, SOL_SOCKET, SO_REUSEADDR, &v, &len))
		fail("%s: SO_REUSEADDR: %m", what);
	else if (!v)
		fail("%s: SO_REUSEADDR is off after restore", what);
}

struct negotiated {
	int mss, opts, snd_wscale, rcv_wscale;
};

static void negotiated(int sk, struct negotiated *n)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(n, 0, sizeof(*n));
	if (getsockopt(sk, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0) {
		n->opts = ti.tcpi_options & (TCPI_OPT_TIMESTAMPS | TCPI_OPT_SACK | TCPI_OPT_WSCALE);
		n->snd_wscale = ti.tcpi_snd_wscale;
		n->rcv_wscale = ti.tcpi_rcv_wscale;
	}
	len = sizeof(n->mss);
	getsockopt(sk, IPPROTO_TCP, TCP_MAXSEG, &n->mss, &len);
}

static void check_negotiated(const char *what, int sk, const struct negotiated *before)
{
	struct negotiated n;

	negotiated(sk, &n);
	if (memcmp(&n, before, sizeof(n)))
		fail("%s: mss %d options %#x wscale %d/%d after restore, were %d %#x %d/%d", what,
		     n.mss, n.opts, n.snd_wscale, n.rcv_wscale, before->mss, before->opts,
		     before->snd_wscale, before->rcv_wscale);
}

static void roundtrip(const char *what, int from, int to)
{
	char buf[8] = "";

	if (write(from, "ping", 4) != 4 || read(to, buf, 4) != 4 || memcmp(buf, "ping", 4))
		fail("%s: data does not flow: %m", what);
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof(a);
	int l, c, s = -1, n = -1, one = 1, mss = 1000;
	struct negotiated nc, ns;

	test_init(argc, argv);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM, 0);
	c = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0 || c < 0 || setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    setsockopt(c, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    setsockopt(c, IPPROTO_TCP, TCP_MAXSEG, &mss, sizeof(mss)) ||
	    bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 4) ||
	    getsockname(l, (struct sockaddr *)&a, &len) ||
	    connect(c, (struct sockaddr *)&a, sizeof(a)) || (s = accept(l, NULL, NULL)) < 0)
		test_skip("tcp loopback: %m");
	negotiated(c, &nc);
	negotiated(s, &ns);
	if (nc.opts != (TCPI_OPT_TIMESTAMPS | TCPI_OPT_SACK | TCPI_OPT_WSCALE) || nc.mss > 1000)
		test_skip("negotiated options %#x, mss %d", nc.opts, nc.mss);
	test_daemon();
	test_waitsig();

	check_negotiated("connecting end", c, &nc);
	check_negotiated("accepted end", s, &ns);

	check_reuse("listener", l);
	check_reuse("accepted end", s);
	check_reuse("connecting end", c);
	roundtrip("connecting to accepted end", c, s);
	roundtrip("accepted to connecting end", s, c);
	close(c);
	close(s);
	if ((c = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    connect(c, (struct sockaddr *)&a, sizeof(a)) || (n = accept(l, NULL, NULL)) < 0)
		fail("the listener no longer accepts: %m");
	else
		roundtrip("new connection", c, n);
	close(c);
	usleep(10000);
	close(n);
	close(l);
	return test_done();
}
