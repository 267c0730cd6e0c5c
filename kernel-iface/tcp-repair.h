/*
 * TCP repair mode (tcp(7), TCP_REPAIR, Linux 3.5+): a socket in repair mode
 * neither sends nor acknowledges anything, and closes silently.
 */
#ifndef CRL_TCP_REPAIR_H
#define CRL_TCP_REPAIR_H

/* @sk's SO_REUSEADDR, which leaving repair mode resets: 0 or -errno. */
int tcp_repair_reuse(int sk, int *reuse);
/* Puts @sk in repair mode. 0 or -errno. */
int tcp_repair_enter(int sk);
/*
 * Takes @sk out of repair mode without a window probe and puts SO_REUSEADDR
 * back to @reuse (leaving repair mode resets the kernel's sk_reuse). 0 or -errno.
 */
int tcp_repair_leave(int sk, int reuse);
/* 1 when @sk is in repair mode, 0 when not, or -errno. */
int tcp_repair_is_on(int sk);

#endif
