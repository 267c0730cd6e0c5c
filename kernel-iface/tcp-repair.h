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
/* 1 when @sk is in repair mode, 0 when not, or -errno. */
int tcp_repair_is_on(int sk);

#endif
