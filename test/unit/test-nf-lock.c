/*
 * kernel-iface/nf-lock-*.c: the texts handed to iptables-restore and nft,
 * then, as root in a network namespace of its own, each backend for real: a
 * lock made, found, filled with a loopback connection whose bytes then do
 * not arrive, removed, and the bytes arrive (retransmitted). A backend whose
 * tool or library is missing is skipped, and says so.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "nf-lock.h"
#include "tap.h"

static struct nf_tuple tuple4(uint16_t lport, uint16_t rport)
{
	struct nf_tuple t = {.family = AF_INET, .lport = lport, .rport = rport};

	inet_pton(AF_INET, "10.0.0.1", t.laddr);
	inet_pton(AF_INET, "10.0.0.2", t.raddr);
	return t;
}

static void test_texts(void)
{
	struct nf_tuple t = tuple4(5000, 41000), t6 = {.family = AF_INET6, .lport = 1, .rport = 2};
	char buf[2048];

	inet_pton(AF_INET6, "fd00::1", t6.laddr);
	inet_pton(AF_INET6, "fd00::2", t6.raddr);
	ok(nf_lock_ipt_text(buf, sizeof(buf), AF_INET, 't', "CRLITE-7", &t, 0) > 0 &&
		   strstr(buf, "-A CRLITE-7-i -p tcp -s 10.0.0.2 --sport 41000 -d 10.0.0.1 "
			       "--dport 5000 -j DROP") &&
		   strstr(buf, "-A CRLITE-7-o -p tcp -s 10.0.0.1 --sport 5000 -d 10.0.0.2 "
			       "--dport 41000 -j DROP"),
	   "iptables: a connection is dropped both ways");
	ok(nf_lock_ipt_text(buf, sizeof(buf), AF_INET, 'c', "CRLITE-7", NULL, 0) > 0 &&
		   strstr(buf, "-I INPUT 1 -j CRLITE-7-i") &&
		   strstr(buf, "--mark 0xc114 -j RETURN"),
	   "iptables: the chains come first and let the tool's marked segments through");
	ok(nf_lock_ipt_text(buf, sizeof(buf), AF_INET, 'p', "CRLITE-7", NULL, 80) > 0 &&
		   strstr(buf, "--dport 80 --tcp-flags SYN,ACK SYN -j DROP"),
	   "iptables: connection attempts to a port are dropped");
	ok(nf_lock_nft_text(buf, sizeof(buf), 't', "CRIU-7", &t6, 0) > 0 &&
		   !strcmp(buf, "add element inet CRIU-7 conns6 { fd00::1 . 1 . fd00::2 . 2 }\n"),
	   "nftables: an IPv6 connection is one element of conns6");
	ok(nf_lock_nft_text(buf, 16, 'c', "CRIU-7", NULL, 0) == -ENOSPC,
	   "a text that does not fit is refused");
}

/* A loopback connection: *cl connected to *sv. 0 or -1. */
static int loop_pair(int *cl, int *sv, struct nf_tuple *t)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	int ls = socket(AF_INET, SOCK_STREAM, 0);

	if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof(a)) || listen(ls, 1) ||
	    getsockname(ls, (struct sockaddr *)&a, &len))
		return -1;
	*cl = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(*cl, (struct sockaddr *)&a, sizeof(a)))
		return -1;
	*sv = accept(ls, NULL, NULL);
	close(ls);
	t->family = AF_INET;
	t->laddr[0] = t->raddr[0] = htonl(INADDR_LOOPBACK);
	t->lport = ntohs(a.sin_port);
	len = sizeof(a);
	getsockname(*cl, (struct sockaddr *)&a, &len);
	t->rport = ntohs(a.sin_port);
	return *sv < 0 ? -1 : 0;
}

static bool readable(int fd, int ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	return poll(&p, 1, ms) == 1;
}

static void test_live(const struct nf_lock_ops *ops)
{
	char err[256] = "", c = 0;
	struct nf_tuple t;
	int cl, sv;

	if (ops->available(err, sizeof(err))) {
		skip("%s: %s", ops->name, err);
		return;
	}
	ok(ops->create("CRLITE-unit", err, sizeof(err)) == 0, "%s: lock made %s", ops->name, err);
	ok(ops->exists("CRLITE-unit", err, sizeof(err)) == 1 &&
		   ops->exists("CRLITE-none", err, sizeof(err)) == 0,
	   "%s: the lock is found by its name, another is not", ops->name);
	ok(loop_pair(&cl, &sv, &t) == 0, "%s: a loopback connection", ops->name);
	ok(ops->add_conn("CRLITE-unit", &t, err, sizeof(err)) == 0 &&
		   ops->add_port("CRLITE-unit", t.lport, err, sizeof(err)) == 0,
	   "%s: connection and port locked %s", ops->name, err);
	ok(write(cl, "x", 1) == 1 && !readable(sv, 300), "%s: locked, a byte does not arrive",
	   ops->name);
	ok(ops->destroy("CRLITE-unit", err, sizeof(err)) == 0 &&
		   ops->exists("CRLITE-unit", err, sizeof(err)) == 0,
	   "%s: lock removed %s", ops->name, err);
	ok(readable(sv, 5000) && read(sv, &c, 1) == 1 && c == 'x',
	   "%s: released, the byte arrives (retransmitted)", ops->name);
	close(cl);
	close(sv);
}

/* A network namespace of our own with lo up: the rules touch nothing else. */
static int own_netns(void)
{
	struct ifreq ifr = {.ifr_name = "lo"};
	int sk;

	if (unshare(CLONE_NEWNET))
		return -errno;
	sk = socket(AF_INET, SOCK_DGRAM, 0);
	if (sk < 0 || ioctl(sk, SIOCGIFFLAGS, &ifr))
		return -errno;
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(sk, SIOCSIFFLAGS, &ifr))
		return -errno;
	close(sk);
	return 0;
}

int main(void)
{
	test_texts();
	if (getuid() != 0 || own_netns()) {
		skip("the live checks need root (a network namespace of their own)");
		return tap_done();
	}
	test_live(&nf_lock_iptables);
	test_live(&nf_lock_nftables);
	return tap_done();
}
