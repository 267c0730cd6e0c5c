/*
 * kernel-iface/tcp-repair.c without a kernel: the state classes (which
 * states have our FIN or the peer's in their sequence numbers) and the
 * segments tcp_repair_inject sends: header fields in network order and a
 * TCP checksum that verifies over the pseudo-header (RFC 793, RFC 8200
 * section 8.1), checked here by an independent sum.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/tcp.h>
#include <string.h>

#include "tap.h"
#include "tcp-repair.h"

/* Ones' complement sum of 16-bit big-endian words, folded. */
static uint16_t sum16(const uint8_t *p, size_t len, uint32_t sum)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static void test_states(void)
{
	ok(tcp_state_repairable(TCP_ST_ESTABLISHED) && tcp_state_repairable(TCP_ST_SYN_SENT) &&
		   tcp_state_repairable(TCP_ST_CLOSING),
	   "established, connecting and closing states are repairable");
	ok(!tcp_state_repairable(TCP_ST_LISTEN) && !tcp_state_repairable(TCP_ST_CLOSE) &&
		   !tcp_state_repairable(3) && !tcp_state_repairable(6),
	   "listen, close, SYN_RECV and TIME_WAIT are not");
	ok(tcp_state_fin_out(TCP_ST_FIN_WAIT1) && tcp_state_fin_out(TCP_ST_FIN_WAIT2) &&
		   tcp_state_fin_out(TCP_ST_CLOSING) && tcp_state_fin_out(TCP_ST_LAST_ACK) &&
		   !tcp_state_fin_out(TCP_ST_CLOSE_WAIT) && !tcp_state_fin_out(TCP_ST_ESTABLISHED),
	   "our FIN is queued in FIN_WAIT1/2, CLOSING, LAST_ACK only");
	ok(tcp_state_fin_in(TCP_ST_CLOSE_WAIT) && tcp_state_fin_in(TCP_ST_CLOSING) &&
		   tcp_state_fin_in(TCP_ST_LAST_ACK) && !tcp_state_fin_in(TCP_ST_FIN_WAIT2) &&
		   !tcp_state_fin_in(TCP_ST_FIN_WAIT1),
	   "the peer's FIN is in CLOSE_WAIT, CLOSING, LAST_ACK only");
}

static void test_ipv4(void)
{
	struct sockaddr_in f = {.sin_family = AF_INET, .sin_port = htons(4000)};
	struct sockaddr_in t = {.sin_family = AF_INET, .sin_port = htons(80)};
	uint8_t buf[128], pseudo[12];
	const struct tcphdr *th = (const struct tcphdr *)(buf + sizeof(struct ip));
	const struct ip *ip = (const struct ip *)buf;
	size_t len;

	inet_pton(AF_INET, "10.1.2.3", &f.sin_addr);
	inet_pton(AF_INET, "192.168.7.9", &t.sin_addr);
	len = tcp_segment_build(buf, (struct sockaddr *)&f, (struct sockaddr *)&t, 0x01020304,
				0xa0b0c0d0, TH_FIN | TH_ACK, 512);
	ok(len == 40 && ip->ip_v == 4 && ip->ip_hl == 5 && ntohs(ip->ip_len) == 40 &&
		   ip->ip_p == IPPROTO_TCP && ip->ip_src.s_addr == f.sin_addr.s_addr &&
		   ip->ip_dst.s_addr == t.sin_addr.s_addr,
	   "IPv4 header: 40 bytes, TCP, addresses as given");
	ok(ntohs(th->th_sport) == 4000 && ntohs(th->th_dport) == 80 &&
		   ntohl(th->th_seq) == 0x01020304 && ntohl(th->th_ack) == 0xa0b0c0d0 &&
		   th->th_flags == (TH_FIN | TH_ACK) && ntohs(th->th_win) == 512 && th->th_off == 5,
	   "TCP header: ports, sequence, acknowledgement, flags, window in network order");
	memcpy(pseudo, &ip->ip_src, 8);
	pseudo[8] = 0;
	pseudo[9] = IPPROTO_TCP;
	pseudo[10] = 0;
	pseudo[11] = 20;
	ok(sum16((const uint8_t *)th, 20, sum16(pseudo, 12, 0)) == 0xffff,
	   "IPv4 TCP checksum verifies over the pseudo-header");
}

static void test_ipv6(void)
{
	struct sockaddr_in6 f = {.sin6_family = AF_INET6, .sin6_port = htons(5555)};
	struct sockaddr_in6 t = {.sin6_family = AF_INET6, .sin6_port = htons(443)};
	uint8_t buf[128], pseudo[40] = {0};
	const struct ip6_hdr *ip6 = (const struct ip6_hdr *)buf;
	const struct tcphdr *th = (const struct tcphdr *)(ip6 + 1);
	size_t len;

	inet_pton(AF_INET6, "2001:db8::1", &f.sin6_addr);
	inet_pton(AF_INET6, "fe80::abcd:1", &t.sin6_addr);
	len = tcp_segment_build(buf, (struct sockaddr *)&f, (struct sockaddr *)&t, 7, 9, TH_ACK,
				65535);
	ok(len == 60 && (ntohl(ip6->ip6_flow) >> 28) == 6 && ntohs(ip6->ip6_plen) == 20 &&
		   ip6->ip6_nxt == IPPROTO_TCP && !memcmp(&ip6->ip6_src, &f.sin6_addr, 16),
	   "IPv6 header: version 6, payload 20, next header TCP");
	memcpy(pseudo, &ip6->ip6_src, 32);
	pseudo[35] = 20;
	pseudo[39] = IPPROTO_TCP;
	ok(sum16((const uint8_t *)th, 20, sum16(pseudo, 40, 0)) == 0xffff,
	   "IPv6 TCP checksum verifies over the pseudo-header");
	ok(tcp_repair_inject((struct sockaddr *)&f,
			     (struct sockaddr *)&(struct sockaddr_in){AF_INET}, 0, 0, 0,
			     0) == -EAFNOSUPPORT,
	   "mixed families refused");
}

int main(void)
{
	test_states();
	test_ipv4();
	test_ipv6();
	return tap_done();
}
