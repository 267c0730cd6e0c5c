/*
 * A unix stream socketpair keeps its options: a send buffer far above the
 * default holding 600 KB that the peer has not read (more than a default
 * buffer takes), a changed receive buffer, send and receive timeouts,
 * SO_PASSCRED (on the sender). After restore every option reads as before and the queued
 * bytes arrive intact.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "zdtmtst.h"

#define QUEUED (600 * 1024)

struct opts {
	int sndbuf, rcvbuf, passcred;
	struct timeval snd_tmo, rcv_tmo;
};

static void get_opts(int sk, struct opts *o)
{
	socklen_t l;

	l = sizeof(int);
	if (getsockopt(sk, SOL_SOCKET, SO_SNDBUF, &o->sndbuf, &l))
		fail("SO_SNDBUF: %m");
	l = sizeof(int);
	if (getsockopt(sk, SOL_SOCKET, SO_RCVBUF, &o->rcvbuf, &l))
		fail("SO_RCVBUF: %m");
	l = sizeof(int);
	if (getsockopt(sk, SOL_SOCKET, SO_PASSCRED, &o->passcred, &l))
		fail("SO_PASSCRED: %m");
	l = sizeof(struct timeval);
	if (getsockopt(sk, SOL_SOCKET, SO_SNDTIMEO, &o->snd_tmo, &l))
		fail("SO_SNDTIMEO: %m");
	l = sizeof(struct timeval);
	if (getsockopt(sk, SOL_SOCKET, SO_RCVTIMEO, &o->rcv_tmo, &l))
		fail("SO_RCVTIMEO: %m");
}

static void cmp_opts(const char *who, const struct opts *a, const struct opts *b)
{
	if (a->sndbuf != b->sndbuf)
		fail("%s: SO_SNDBUF %d, was %d", who, a->sndbuf, b->sndbuf);
	if (a->rcvbuf != b->rcvbuf)
		fail("%s: SO_RCVBUF %d, was %d", who, a->rcvbuf, b->rcvbuf);
	if (a->passcred != b->passcred)
		fail("%s: SO_PASSCRED %d, was %d", who, a->passcred, b->passcred);
	if (timercmp(&a->snd_tmo, &b->snd_tmo, !=))
		fail("%s: SO_SNDTIMEO %ld.%06ld, was %ld.%06ld", who, (long)a->snd_tmo.tv_sec,
		     (long)a->snd_tmo.tv_usec, (long)b->snd_tmo.tv_sec, (long)b->snd_tmo.tv_usec);
	if (timercmp(&a->rcv_tmo, &b->rcv_tmo, !=))
		fail("%s: SO_RCVTIMEO %ld.%06ld, was %ld.%06ld", who, (long)a->rcv_tmo.tv_sec,
		     (long)a->rcv_tmo.tv_usec, (long)b->rcv_tmo.tv_sec, (long)b->rcv_tmo.tv_usec);
}

int main(int argc, char **argv)
{
	struct timeval snd = {1, 500000}, rcv = {3, 250000};
	int sk[2], big = 1 << 20, small = 50000, one = 1;
	struct opts want[2], now[2];
	char *buf = malloc(QUEUED);
	size_t got = 0;

	test_init(argc, argv);
	if (!buf || socketpair(AF_UNIX, SOCK_STREAM, 0, sk))
		test_skip("socketpair: %m");
	if (setsockopt(sk[0], SOL_SOCKET, SO_SNDBUF, &big, sizeof(big)) ||
	    setsockopt(sk[0], SOL_SOCKET, SO_SNDTIMEO, &snd, sizeof(snd)) ||
	    setsockopt(sk[1], SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)) ||
	    setsockopt(sk[1], SOL_SOCKET, SO_RCVTIMEO, &rcv, sizeof(rcv)))
		fail("setsockopt: %m");
	mem_fill(buf, QUEUED, 77);
	if (send(sk[0], buf, QUEUED, MSG_DONTWAIT) != QUEUED)
		test_skip("cannot queue %d bytes (send buffer too small here): %m", QUEUED);
	/*
	 * On the end with the empty receive queue, and only now: bytes sent or
	 * read with it set carry credentials, which dump refuses.
	 */
	if (setsockopt(sk[0], SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)))
		fail("SO_PASSCRED: %m");
	get_opts(sk[0], &want[0]);
	get_opts(sk[1], &want[1]);
	test_daemon();
	test_waitsig();

	get_opts(sk[0], &now[0]);
	get_opts(sk[1], &now[1]);
	cmp_opts("sender", &now[0], &want[0]);
	cmp_opts("receiver", &now[1], &want[1]);
	memset(buf, 0, QUEUED);
	while (got < QUEUED) {
		ssize_t n = recv(sk[1], buf + got, QUEUED - got, MSG_DONTWAIT);

		if (n <= 0) {
			fail("receiver: %zu of %d queued bytes, then %zd: %m", got, QUEUED, n);
			break;
		}
		got += (size_t)n;
	}
	if (got == QUEUED)
		mem_check("queued bytes", buf, QUEUED, 77);
	free(buf);
	return test_done();
}
