/*
 * The root in its own network namespace (ARGS ns=net) with a veth whose peer
 * is in the runner's (the tool's) namespace: zv0 inside, 10.81.0.1/24 on it,
 * up; its peer zv0o outside. Dumped and restored with --external
 * veth[zv0]:zv0o (or --veth-pair zv0=zv0o): after restore zv0 is still a
 * veth, up, with its address, and its peer is in another namespace.
 */
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "zdtmtst.h"

#define IN "zv0"
#define OUT "zv0o"
#define ADDR4 "10.81.0.1"

static int has_addr(void)
{
	struct ifaddrs *ifa, *i;
	char buf[64];
	int found = 0;

	if (getifaddrs(&ifa))
		return 0;
	for (i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET || strcmp(i->ifa_name, IN))
			continue;
		inet_ntop(AF_INET, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, buf,
			  sizeof(buf));
		found |= !strcmp(buf, ADDR4);
	}
	freeifaddrs(ifa);
	return found;
}

int main(int argc, char **argv)
{
	char host[64] = {0}, ns[64] = {0}, cmd[256];
	struct ifreq ifr = {0};
	int sk;

	if (readlink("/proc/self/ns/net", host, sizeof(host) - 1) < 0)
		test_skip("no network namespaces: %m");
	test_init(argc, argv);
	if (readlink("/proc/self/ns/net", ns, sizeof(ns) - 1) < 0 || !strcmp(ns, host))
		test_skip("not in a network namespace of its own (run with ns=net)");
	/* the parent, test_init's launcher, is still in the runner's namespace */
	snprintf(cmd, sizeof(cmd),
		 "ip link add " IN " type veth peer name " OUT " netns %d && "
		 "ip addr add " ADDR4 "/24 dev " IN " && ip link set " IN " up",
		 (int)getppid());
	if (system(cmd))
		test_skip("'%s' failed (no veth, or iproute2 missing?)", cmd);
	test_daemon();
	test_waitsig();

	if (readlink("/proc/self/ns/net", ns, sizeof(ns) - 1) < 0 || !strcmp(ns, host))
		fail("in the tool's network namespace %s after restore", ns);
	sk = socket(AF_INET, SOCK_DGRAM, 0);
	strcpy(ifr.ifr_name, IN);
	if (ioctl(sk, SIOCGIFFLAGS, &ifr))
		fail("no link " IN " after restore: %m");
	else if (!(ifr.ifr_flags & IFF_UP))
		fail(IN " is down after restore (flags 0x%x)", ifr.ifr_flags);
	close(sk);
	if (!has_addr())
		fail(IN " lacks " ADDR4 " after restore");
	if (system("ip -d -o link show " IN " | grep -q 'link-netns.* veth'"))
		fail(IN " is not a veth whose peer is in another namespace after restore");
	return test_done();
}
