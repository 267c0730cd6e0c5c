/*
 * The root in its own network namespace (ARGS ns=net: test_init unshares it
 * and brings lo up), shared with its child: an extra IPv4 and IPv6 address on
 * lo, a route through it, three sysctls changed (one IPv6), a TCP listener and a bound UDP
 * socket on the extra address, a veth pair with both ends inside (nv0 up
 * with 10.82.0.1/24, nv1 down). After restore the root checks each of them
 * in a namespace that is still not the tool's.
 */
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

#define ADDR4 "10.77.0.1"
#define ADDR6 "fd00:77::1"
#define ROUTED "10.78.0.5"
#define TCP_PORT 7701
#define UDP_PORT 7702

static int sysctl_get(const char *path)
{
	FILE *f = fopen(path, "r");
	int v = -1;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static int sysctl_set(const char *path, int v)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fprintf(f, "%d", v);
	return fclose(f);
}

static void run(const char *cmd)
{
	if (system(cmd))
		test_skip("'%s' failed (iproute2 missing?)", cmd);
}

static int sock_on(int type, int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	int sk = socket(AF_INET, type, 0);

	inet_pton(AF_INET, ADDR4, &a.sin_addr);
	if (sk < 0 || bind(sk, (struct sockaddr *)&a, sizeof(a)) ||
	    (type == SOCK_STREAM && listen(sk, 4)))
		fail("%s socket on %s:%d: %m", type == SOCK_STREAM ? "TCP" : "UDP", ADDR4, port);
	return sk;
}

static void check_addrs(void)
{
	struct ifaddrs *ifa, *i;
	int v4 = 0, v6 = 0;
	char buf[64];

	if (getifaddrs(&ifa)) {
		fail("getifaddrs: %m");
		return;
	}
	for (i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr || strcmp(i->ifa_name, "lo"))
			continue;
		if (i->ifa_addr->sa_family == AF_INET)
			inet_ntop(AF_INET, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, buf,
				  sizeof(buf));
		else if (i->ifa_addr->sa_family == AF_INET6)
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, buf,
				  sizeof(buf));
		else
			continue;
		v4 |= !strcmp(buf, ADDR4);
		v6 |= !strcmp(buf, ADDR6);
	}
	freeifaddrs(ifa);
	if (!v4 || !v6)
		fail("lo lacks %s%s%s after restore", v4 ? "" : ADDR4, v4 || v6 ? "" : " and ",
		     v6 ? "" : ADDR6);
}

static void check_lo(void)
{
	struct ifreq ifr = {0};
	int sk = socket(AF_INET, SOCK_DGRAM, 0);

	strcpy(ifr.ifr_name, "lo");
	if (ioctl(sk, SIOCGIFFLAGS, &ifr) || !(ifr.ifr_flags & IFF_UP))
		fail("lo is not up after restore (flags 0x%x)", ifr.ifr_flags);
	if (ioctl(sk, SIOCGIFMTU, &ifr) || ifr.ifr_mtu != 9000)
		fail("lo's mtu is %d after restore, want 9000", ifr.ifr_mtu);
	close(sk);
}

static void check_veth(void)
{
	if (system("ip -o link show nv0 | grep -q 'nv0@nv1:.*UP'") ||
	    system("ip -o link show nv1 | grep -q 'nv1@nv0:' && "
		   "! ip -o link show nv1 | grep -q '[<,]UP[,>]'") ||
	    system("ip -o -4 addr show dev nv0 | grep -q 10.82.0.1/24"))
		fail("the veth pair nv0 (up, 10.82.0.1/24) and nv1 (down) is not as before the "
		     "dump");
}

static void check_route(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(9)};
	int sk = socket(AF_INET, SOCK_DGRAM, 0);

	inet_pton(AF_INET, ROUTED, &a.sin_addr);
	if (connect(sk, (struct sockaddr *)&a, sizeof(a)))
		fail("no route to %s after restore: %m", ROUTED);
	close(sk);
}

static void check_sockets(int tcp, int udp)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(TCP_PORT)};
	int c = socket(AF_INET, SOCK_STREAM, 0), s;
	char buf[8] = {0};

	inet_pton(AF_INET, ADDR4, &a.sin_addr);
	if (connect(c, (struct sockaddr *)&a, sizeof(a)) || (s = accept(tcp, NULL, NULL)) < 0) {
		fail("TCP connection to the listener on %s:%d after restore: %m", ADDR4, TCP_PORT);
	} else {
		if (write(c, "ping", 4) != 4 || read(s, buf, sizeof(buf)) != 4 ||
		    strcmp(buf, "ping"))
			fail("TCP data through the restored listener's connection: '%s'", buf);
		close(s);
	}
	close(c);
	c = socket(AF_INET, SOCK_DGRAM, 0);
	a.sin_port = htons(UDP_PORT);
	memset(buf, 0, sizeof(buf));
	if (sendto(c, "pong", 4, 0, (struct sockaddr *)&a, sizeof(a)) != 4 ||
	    recv(udp, buf, sizeof(buf), MSG_DONTWAIT) != 4 || strcmp(buf, "pong"))
		fail("UDP datagram to %s:%d after restore: '%s' (%m)", ADDR4, UDP_PORT, buf);
	close(c);
}

int main(int argc, char **argv)
{
	char ns0[64] = {0}, ns1[64] = {0}, host[64] = {0};
	int tcp, udp, st;
	pid_t child;

	/* before test_init: the runner's namespace, the tool's */
	if (readlink("/proc/self/ns/net", host, sizeof(host) - 1) < 0)
		test_skip("no network namespaces: %m");
	test_init(argc, argv);
	if (readlink("/proc/self/ns/net", ns0, sizeof(ns0) - 1) < 0 || !strcmp(ns0, host))
		test_skip("not in a network namespace of its own (run with ns=net)");
	run("ip addr add " ADDR4 "/24 dev lo");
	run("ip -6 addr add " ADDR6 "/64 dev lo");
	run("ip route add 10.78.0.0/24 via 10.77.0.2 dev lo");
	run("ip link set lo mtu 9000");
	run("ip link add nv0 type veth peer name nv1 && ip addr add 10.82.0.1/24 dev nv0 && "
	    "ip link set nv0 up");
	if (sysctl_set("/proc/sys/net/ipv4/ip_forward", 1) ||
	    sysctl_set("/proc/sys/net/ipv4/conf/lo/accept_local", 1) ||
	    sysctl_set("/proc/sys/net/ipv6/conf/default/hop_limit", 33))
		fail("sysctl: %m");
	tcp = sock_on(SOCK_STREAM, TCP_PORT);
	udp = sock_on(SOCK_DGRAM, UDP_PORT);
	child = fork();
	if (child == 0) {
		test_waitsig();
		exit(0);
	}
	test_daemon();
	test_waitsig();

	if (readlink("/proc/self/ns/net", ns1, sizeof(ns1) - 1) < 0 || !strcmp(ns1, host))
		fail("in the tool's network namespace %s after restore", ns1);
	check_lo();
	check_addrs();
	check_route();
	check_veth();
	if (sysctl_get("/proc/sys/net/ipv4/ip_forward") != 1 ||
	    sysctl_get("/proc/sys/net/ipv4/conf/lo/accept_local") != 1)
		fail("sysctls after restore: ip_forward %d, conf.lo.accept_local %d (want 1, 1)",
		     sysctl_get("/proc/sys/net/ipv4/ip_forward"),
		     sysctl_get("/proc/sys/net/ipv4/conf/lo/accept_local"));
	if (sysctl_get("/proc/sys/net/ipv6/conf/default/hop_limit") != 33)
		fail("net.ipv6.conf.default.hop_limit is %d after restore, want 33",
		     sysctl_get("/proc/sys/net/ipv6/conf/default/hop_limit"));
	check_sockets(tcp, udp);
	kill(child, SIGTERM);
	st = wait_child(child, 10000);
	if (st < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
		fail("child: wait status 0x%x", st);
	return test_done();
}
