#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "nf-lock.h"
#include "tcp-repair.h"

int tcp_repair_reuse(int sk, int *reuse)
{
	socklen_t len = sizeof(*reuse);

	return getsockopt(sk, SOL_SOCKET, SO_REUSEADDR, reuse, &len) ? -errno : 0;
}

int tcp_repair_enter(int sk)
{
	int on = TCP_REPAIR_ON;

	return setsockopt(sk, IPPROTO_TCP, TCP_REPAIR, &on, sizeof(on)) ? -errno : 0;
}

int tcp_repair_leave(int sk, int reuse)
{
	int off = TCP_REPAIR_OFF_NO_WP;

	if (setsockopt(sk, IPPROTO_TCP, TCP_REPAIR, &off, sizeof(off)) ||
	    setsockopt(sk, SOL_SOCKET, SO_REUSEADDR, &reuse, sizeof(reuse)))
		return -errno;
	return 0;
}

int tcp_repair_done(int sk, int reuse)
{
	int off = TCP_REPAIR_OFF;

	if (setsockopt(sk, IPPROTO_TCP, TCP_REPAIR, &off, sizeof(off)))
		return -errno;
	if (reuse && setsockopt(sk, SOL_SOCKET, SO_REUSEADDR, &reuse, sizeof(reuse)))
		return -errno;
	return 0;
}

int tcp_repair_is_on(int sk)
{
	socklen_t len = sizeof(int);
	int on = 0;

	if (getsockopt(sk, IPPROTO_TCP, TCP_REPAIR, &on, &len))
		return -errno;
	return on ? 1 : 0;
}

bool tcp_state_repairable(unsigned int state)
{
	return state == TCP_ST_ESTABLISHED || state == TCP_ST_SYN_SENT ||
	       tcp_state_fin_out(state) || tcp_state_fin_in(state);
}

bool tcp_state_fin_out(unsigned int state)
{
	return state == TCP_ST_FIN_WAIT1 || state == TCP_ST_FIN_WAIT2 || state == TCP_ST_CLOSING ||
	       state == TCP_ST_LAST_ACK;
}

bool tcp_state_fin_in(unsigned int state)
{
	return state == TCP_ST_CLOSE_WAIT || state == TCP_ST_CLOSING || state == TCP_ST_LAST_ACK;
}

/* RFC 1071 ones' complement sum, not yet folded. */
static uint32_t csum_add(uint32_t sum, const void *p, size_t len)
{
	const uint8_t *b = p;

	for (; len > 1; len -= 2, b += 2)
		sum += (uint32_t)(b[0] << 8 | b[1]);
	if (len)
		sum += (uint32_t)(b[0] << 8);
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

static void tcp_header(struct tcphdr *th, uint16_t sport, uint16_t dport, uint32_t seq,
		       uint32_t ack, uint8_t flags, uint16_t win)
{
	memset(th, 0, sizeof(*th));
	th->th_sport = sport;
	th->th_dport = dport;
	th->th_seq = htonl(seq);
	th->th_ack = htonl(ack);
	th->th_off = sizeof(*th) / 4;
	th->th_flags = flags;
	th->th_win = htons(win);
}

size_t tcp_segment_build(void *buf, const struct sockaddr *from, const struct sockaddr *to,
			 uint32_t seq, uint32_t ack, uint8_t flags, uint16_t win)
{
	uint32_t sum;

	if (from->sa_family == AF_INET) {
		const struct sockaddr_in *f = (const struct sockaddr_in *)from;
		const struct sockaddr_in *t = (const struct sockaddr_in *)to;
		struct ip *ip = buf;
		struct tcphdr *th = (struct tcphdr *)(ip + 1);
		uint8_t pseudo[4] = {0, IPPROTO_TCP, 0, sizeof(*th)};

		memset(ip, 0, sizeof(*ip));
		ip->ip_v = 4;
		ip->ip_hl = sizeof(*ip) / 4;
		ip->ip_len = htons(sizeof(*ip) + sizeof(*th));
		ip->ip_ttl = 64;
		ip->ip_p = IPPROTO_TCP;
		ip->ip_src = f->sin_addr;
		ip->ip_dst = t->sin_addr;
		tcp_header(th, f->sin_port, t->sin_port, seq, ack, flags, win);
		sum = csum_add(0, &ip->ip_src, 8);
		sum = csum_add(sum, pseudo, sizeof(pseudo));
		th->th_sum = csum_fold(csum_add(sum, th, sizeof(*th)));
		/* ip_sum and ip_id: the kernel fills them in (raw(7), IP_HDRINCL). */
		return sizeof(*ip) + sizeof(*th);
	} else {
		const struct sockaddr_in6 *f = (const struct sockaddr_in6 *)from;
		const struct sockaddr_in6 *t = (const struct sockaddr_in6 *)to;
		struct ip6_hdr *ip6 = buf;
		struct tcphdr *th = (struct tcphdr *)(ip6 + 1);
		uint8_t pseudo[8] = {0, 0, 0, sizeof(*th), 0, 0, 0, IPPROTO_TCP};

		memset(ip6, 0, sizeof(*ip6));
		ip6->ip6_flow = htonl(6u << 28);
		ip6->ip6_plen = htons(sizeof(*th));
		ip6->ip6_nxt = IPPROTO_TCP;
		ip6->ip6_hlim = 64;
		ip6->ip6_src = f->sin6_addr;
		ip6->ip6_dst = t->sin6_addr;
		tcp_header(th, f->sin6_port, t->sin6_port, seq, ack, flags, win);
		sum = csum_add(0, &ip6->ip6_src, 32);
		sum = csum_add(sum, pseudo, sizeof(pseudo));
		th->th_sum = csum_fold(csum_add(sum, th, sizeof(*th)));
		return sizeof(*ip6) + sizeof(*th);
	}
}

/*
 * An IPv6 socket's connection to an IPv4 peer (both ends IPv4-mapped,
 * ::ffff:a.b.c.d) travels as IPv4: @in becomes that IPv4 address in @out.
 */
static const struct sockaddr *inject_unmap(const struct sockaddr *in, struct sockaddr_in *out)
{
	const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)in;

	if (in->sa_family != AF_INET6 || !IN6_IS_ADDR_V4MAPPED(&a->sin6_addr))
		return in;
	memset(out, 0, sizeof(*out));
	out->sin_family = AF_INET;
	out->sin_port = a->sin6_port;
	memcpy(&out->sin_addr, &a->sin6_addr.s6_addr[12], 4);
	return (const struct sockaddr *)out;
}

int tcp_repair_inject(const struct sockaddr *from, const struct sockaddr *to, uint32_t seq,
		      uint32_t ack, uint8_t flags, uint16_t win)
{
	char buf[sizeof(struct ip6_hdr) + sizeof(struct tcphdr)];
	struct sockaddr_in from4, to4;
	struct sockaddr_storage dst;
	socklen_t dlen;
	size_t len;
	int sk, ret = 0, mark = NF_LOCK_MARK;

	from = inject_unmap(from, &from4);
	to = inject_unmap(to, &to4);
	if (from->sa_family != to->sa_family ||
	    (from->sa_family != AF_INET && from->sa_family != AF_INET6))
		return -EAFNOSUPPORT;
	len = tcp_segment_build(buf, from, to, seq, ack, flags, win);
	/* IPPROTO_RAW: the header is ours (IPv6 since Linux 4.5); the port is not a raw field. */
	sk = socket(from->sa_family, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	if (sk < 0)
		return -errno;
	/* Through a network lock held on this very connection (nf-lock.h); CAP_NET_ADMIN. */
	if (setsockopt(sk, SOL_SOCKET, SO_MARK, &mark, sizeof(mark))) {
		ret = -errno;
		close(sk);
		return ret;
	}
	dlen = from->sa_family == AF_INET ? sizeof(struct sockaddr_in)
					  : sizeof(struct sockaddr_in6);
	memcpy(&dst, to, dlen);
	if (from->sa_family == AF_INET)
		((struct sockaddr_in *)&dst)->sin_port = 0;
	else
		((struct sockaddr_in6 *)&dst)->sin6_port = 0;
	if (sendto(sk, buf, len, 0, (struct sockaddr *)&dst, dlen) != (ssize_t)len)
		ret = errno ? -errno : -EIO;
	close(sk);
	return ret;
}
