/*
 * AF_UNIX sockets through NETLINK_SOCK_DIAG: one dump request
 * (SOCK_DIAG_BY_FAMILY, NLM_F_DUMP) answered by one unix_diag_msg per socket
 * with the attributes asked for in udiag_show (linux/unix_diag.h).
 */
#include <errno.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sock-diag.h"

#define DIAG_BUF (32u << 10)

struct unix_list {
	struct sock_diag_unix *v;
	size_t n, cap;
};

static void parse_attrs(struct sock_diag_unix *s, const struct nlattr *a, size_t len)
{
	while (len >= sizeof(*a) && a->nla_len >= sizeof(*a) && a->nla_len <= len) {
		const void *data = a + 1;
		size_t dlen = a->nla_len - sizeof(*a), step;

		switch (a->nla_type) {
		case UNIX_DIAG_NAME:
			s->name_len = dlen < sizeof(s->name) ? dlen : sizeof(s->name);
			memcpy(s->name, data, s->name_len);
			break;
		case UNIX_DIAG_PEER:
			if (dlen >= 4)
				memcpy(&s->peer, data, 4);
			break;
		case UNIX_DIAG_RQLEN:
			if (dlen >= sizeof(struct unix_diag_rqlen)) {
				const struct unix_diag_rqlen *q = data;

				s->rqlen = q->udiag_rqueue;
				s->wqlen = q->udiag_wqueue;
			}
			break;
		case UNIX_DIAG_ICONS:
			s->nr_icons = (uint32_t)(dlen / 4);
			break;
		case UNIX_DIAG_SHUTDOWN:
			if (dlen >= 1)
				s->shutdown = *(const uint8_t *)data;
			break;
		}
		step = (size_t)NLA_ALIGN(a->nla_len);
		if (step >= len)
			break;
		len -= step;
		a = (const struct nlattr *)((const char *)a + NLA_ALIGN(a->nla_len));
	}
}

static int add_msg(struct unix_list *l, const struct nlmsghdr *h)
{
	const struct unix_diag_msg *m = NLMSG_DATA(h);
	struct sock_diag_unix *s;

	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*m)))
		return -EINVAL;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct sock_diag_unix *nv = realloc(l->v, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		l->v = nv;
		l->cap = cap;
	}
	s = &l->v[l->n++];
	memset(s, 0, sizeof(*s));
	s->ino = m->udiag_ino;
	s->type = m->udiag_type;
	s->state = m->udiag_state;
	parse_attrs(s, (const struct nlattr *)(m + 1), h->nlmsg_len - NLMSG_LENGTH(sizeof(*m)));
	return 0;
}

/* Reads replies until NLMSG_DONE. */
static int recv_all(int fd, struct unix_list *l)
{
	char *buf = malloc(DIAG_BUF);
	int ret = 0;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t len = recv(fd, buf, DIAG_BUF, 0);
		const struct nlmsghdr *h = (const struct nlmsghdr *)buf;

		if (len < 0 && errno == EINTR)
			continue;
		if (len <= 0) {
			ret = len < 0 ? -errno : -EIO;
			break;
		}
		for (; NLMSG_OK(h, (size_t)len); h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_type == NLMSG_DONE)
				goto out;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);

				ret = e->error ? e->error : -EIO;
				goto out;
			}
			ret = add_msg(l, h);
			if (ret)
				goto out;
		}
	}
out:
	free(buf);
	return ret;
}

static int cmp_ino(const void *a, const void *b)
{
	uint32_t x = ((const struct sock_diag_unix *)a)->ino;
	uint32_t y = ((const struct sock_diag_unix *)b)->ino;

	return x < y ? -1 : x > y;
}

int sock_diag_unix_list(struct sock_diag_unix **out, size_t *n)
{
	struct {
		struct nlmsghdr h;
		struct unix_diag_req r;
	} req;
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	struct unix_list l = {0};
	int fd, ret;

	*out = NULL;
	*n = 0;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0)
		return -errno;
	memset(&req, 0, sizeof(req));
	req.h.nlmsg_len = sizeof(req);
	req.h.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.h.nlmsg_seq = 1;
	req.r.sdiag_family = AF_UNIX;
	req.r.udiag_states = (uint32_t)-1;
	req.r.udiag_show = UDIAG_SHOW_NAME | UDIAG_SHOW_PEER | UDIAG_SHOW_RQLEN | UDIAG_SHOW_ICONS;
	if (sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		ret = -errno;
	else
		ret = recv_all(fd, &l);
	close(fd);
	if (ret) {
		free(l.v);
		return ret;
	}
	if (l.n)
		qsort(l.v, l.n, sizeof(*l.v), cmp_ino);
	*out = l.v;
	*n = l.n;
	return 0;
}

const struct sock_diag_unix *sock_diag_unix_find(const struct sock_diag_unix *v, size_t n, uint32_t ino)
{
	/* The list is sorted by cmp_ino: a key with only the inode set finds it. */
	struct sock_diag_unix key = { .ino = ino };

	return n ? bsearch(&key, v, n, sizeof(*v), cmp_ino) : NULL;
}
