/* Socket option numbers newer than, or clashing with, the C library's headers. No code. */
#ifndef CRL_SOCKOPT_H
#define CRL_SOCKOPT_H

/* linux/icmp.h, which clashes with net/if.h: a raw ICMP socket's type filter. */
#ifndef ICMP_FILTER
#define ICMP_FILTER 1
#endif
/* SOL_SOCKET: whether the process locked its buffer sizes (5.14+). */
#ifndef SO_BUF_LOCK
#define SO_BUF_LOCK 72
#endif

#endif
