#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

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
