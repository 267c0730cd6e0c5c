/*
 * TCP repair mode (tcp(7), TCP_REPAIR, Linux 3.5+): a socket in repair mode
 * neither sends nor acknowledges anything, and closes silently.
 *
 * Address reuse: entering repair mode sets the kernel's sk_reuse to
 * SK_FORCE_REUSE, which lets bind() take a port whatever holds it (a
 * listener, a TIME_WAIT or FIN_WAIT leftover of a killed copy). SO_REUSEADDR
 * overwrites sk_reuse: set while in repair mode it cancels the forced reuse
 * (bind: EADDRINUSE), so a restored connection gets it back only after
 * leaving repair mode (tcp_repair_leave / tcp_repair_done), which resets
 * sk_reuse.
 */
#ifndef CRL_TCP_REPAIR_H
#define CRL_TCP_REPAIR_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

/*
 * Connection states (include/net/tcp_states.h) and where their FINs are.
 * TCP_QUEUE_SEQ of the send queue (write_seq) counts our FIN once it is
 * queued, and SIOCOUTQ/SIOCOUTQNSD count it until acknowledged/sent; the
 * receive queue's (rcv_nxt) counts the peer's FIN once received, SIOCINQ
 * never does.
 */
enum {
	TCP_ST_ESTABLISHED = 1,
	TCP_ST_SYN_SENT = 2,
	TCP_ST_FIN_WAIT1 = 4,
	TCP_ST_FIN_WAIT2 = 5,
	TCP_ST_CLOSE = 7,
	TCP_ST_CLOSE_WAIT = 8,
	TCP_ST_LAST_ACK = 9,
	TCP_ST_LISTEN = 10,
	TCP_ST_CLOSING = 11,
};
/* A connected state repair mode can read and rebuild (established, half or fully closing). */
bool tcp_state_repairable(unsigned int state);
/* Our FIN is queued: FIN_WAIT1, FIN_WAIT2, CLOSING, LAST_ACK. */
bool tcp_state_fin_out(unsigned int state);
/* The peer's FIN was received: CLOSE_WAIT, CLOSING, LAST_ACK. */
bool tcp_state_fin_in(unsigned int state);

/* @sk's SO_REUSEADDR, which leaving repair mode resets: 0 or -errno. */
int tcp_repair_reuse(int sk, int *reuse);
/* Puts @sk in repair mode. 0 or -errno. */
int tcp_repair_enter(int sk);
/*
 * Takes @sk out of repair mode without a window probe and puts SO_REUSEADDR
 * back to @reuse (leaving repair mode resets the kernel's sk_reuse). 0 or -errno.
 */
int tcp_repair_leave(int sk, int reuse);
/*
 * The end of a restore: takes @sk out of repair mode with a window probe (the
 * peer learns the window at once) and sets SO_REUSEADDR when @reuse. 0 or -errno.
 */
int tcp_repair_done(int sk, int reuse);
/*
 * Delivers one TCP segment without payload from @from to @to (both
 * AF_INET or both AF_INET6; IPv4-mapped IPv6 ends go as IPv4) through a
 * raw socket (CAP_NET_RAW): how a
 * restore hands a socket in repair mode the peer's FIN or acknowledgement,
 * which repair mode cannot queue. The segment carries NF_LOCK_MARK, which
 * the network lock lets through. @flags are TCP header flags (TH_FIN...),
 * @win the window field as sent. 0 or -errno.
 */
int tcp_repair_inject(const struct sockaddr *from, const struct sockaddr *to, uint32_t seq,
		      uint32_t ack, uint8_t flags, uint16_t win);
/* The segment tcp_repair_inject sends (IPv4 or IPv6 header, TCP header) into @buf: its length. */
size_t tcp_segment_build(void *buf, const struct sockaddr *from, const struct sockaddr *to,
			 uint32_t seq, uint32_t ack, uint8_t flags, uint16_t win);
/* 1 when @sk is in repair mode, 0 when not, or -errno. */
int tcp_repair_is_on(int sk);

#endif
