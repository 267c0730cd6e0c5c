/*
 * AF_UNIX sockets through NETLINK_SOCK_DIAG: one dump request
 * (SOCK_DIAG_BY_FAMILY, NLM_F_DUMP) answered by one unix_diag_msg per socket
 * with the attributes asked for in udiag_show (linux/unix_diag.h).
 */
#include <errno.h>
#include <linux/netlink.h>
#include <linux/unix_diag.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "sock-diag-nl.h"
#include "sock-diag.h"

static void unix_attr(unsigned short type, const void *data, size_t dlen, void *arg)
{
	struct sock_diag_unix *s = arg;

	switch (type) {
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
	case UNIX_DIAG_VFS:
		if (dlen >= sizeof(struct unix_diag_vfs)) {
			const struct unix_diag_vfs *vfs = data;

			s->vfs_ino = vfs->udiag_vfs_ino;
			s->vfs_dev = vfs->udiag_vfs_dev;
		}
		break;
	case UNIX_DIAG_SHUTDOWN:
		if (dlen >= 1)
			s->shutdown = *(const uint8_t *)data;
		break;
	}
}

/* One reply message: a unix_diag_msg and its attributes. */
static int unix_add(struct nlmsghdr *h, void *arg)
{
	const struct unix_diag_msg *m = NLMSG_DATA(h);
	struct sock_diag_unix *s;

	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*m)))
		return -EINVAL;
	s = sock_diag_nl_vec_add(arg, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->ino = m->udiag_ino;
	s->type = m->udiag_type;
	s->state = m->udiag_state;
	sock_diag_nl_attrs((const struct nlattr *)(m + 1), h->nlmsg_len - NLMSG_LENGTH(sizeof(*m)),
			   unix_attr, s);
	return 0;
}

static int cmp_ino(const void *a, const void *b)
{
	uint32_t x = ((const struct sock_diag_unix *)a)->ino;
	uint32_t y = ((const struct sock_diag_unix *)b)->ino;

	return x < y ? -1 : x > y;
}

int sock_diag_unix_list(struct sock_diag_unix **out, size_t *n)
{
	struct unix_diag_req req = {
		.sdiag_family = AF_UNIX,
		.udiag_states = (uint32_t)-1,
		.udiag_show = UDIAG_SHOW_NAME | UDIAG_SHOW_PEER | UDIAG_SHOW_RQLEN |
			      UDIAG_SHOW_ICONS | UDIAG_SHOW_VFS,
	};
	struct sock_diag_nl_vec l = {0};
	struct nl_sock *sk;
	int ret;

	*out = NULL;
	*n = 0;
	ret = sock_diag_nl_open(&sk);
	if (ret)
		return ret;
	ret = sock_diag_nl_dump(sk, &req, sizeof(req), unix_add, &l);
	sock_diag_nl_close(sk);
	if (ret) {
		free(l.v);
		return ret;
	}
	if (l.n)
		qsort(l.v, l.n, sizeof(**out), cmp_ino);
	*out = l.v;
	*n = l.n;
	return 0;
}

const struct sock_diag_unix *sock_diag_unix_find(const struct sock_diag_unix *v, size_t n,
						 uint32_t ino)
{
	/* The list is sorted by cmp_ino: a key with only the inode set finds it. */
	struct sock_diag_unix key = {.ino = ino};

	return n ? bsearch(&key, v, n, sizeof(*v), cmp_ino) : NULL;
}
