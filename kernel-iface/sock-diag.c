/*
 * AF_UNIX sockets through NETLINK_SOCK_DIAG: one dump request
 * (SOCK_DIAG_BY_FAMILY, NLM_F_DUMP) answered by one unix_diag_msg per socket
 * with the attributes asked for in udiag_show (linux/unix_diag.h), checked
 * against a policy and indexed by libnl's nlmsg_parse().
 */
#include <errno.h>
#include <linux/sockios.h>
#include <linux/un.h>
#include <linux/unix_diag.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "array.h"
#include "sock-diag-nl.h"
#include "sock-diag.h"

/*
 * The lengths unix_attrs() relies on: a shorter attribute (or a name longer
 * than sun_path) fails the message instead of being read past its end.
 */
static const struct nla_policy unix_policy[UNIX_DIAG_MAX + 1] = {
	[UNIX_DIAG_NAME] = {.maxlen = sizeof(((struct sock_diag_unix *)0)->name)},
	[UNIX_DIAG_VFS] = {.minlen = sizeof(struct unix_diag_vfs)},
	[UNIX_DIAG_PEER] = {.type = NLA_U32},
	[UNIX_DIAG_RQLEN] = {.minlen = sizeof(struct unix_diag_rqlen)},
	[UNIX_DIAG_SHUTDOWN] = {.type = NLA_U8},
};

/* A connection waiting in a listener's queue: the client's inode (UNIX_DIAG_ICONS). */
struct unix_icon {
	uint32_t listener, client, pos;
};

/* The list the reply messages are decoded into. */
struct unix_dump {
	struct sock_diag_unix *v;
	size_t n;
	struct unix_icon *icons;
	size_t nr_icons;
};

/* An array of the inodes of the clients whose connections wait to be accepted, in order. */
static int unix_icons(struct unix_dump *d, const struct sock_diag_unix *s, struct nlattr *a)
{
	const uint32_t *v = nla_data(a);

	for (uint32_t i = 0; i < s->nr_icons; i++) {
		if (!v[i])
			continue;
		if (ARRAY_GROW(d->icons, d->nr_icons))
			return -ENOMEM;
		d->icons[d->nr_icons++] = (struct unix_icon){s->ino, v[i], i};
	}
	return 0;
}

static void unix_attrs(struct sock_diag_unix *s, struct nlattr **tb)
{
	if (tb[UNIX_DIAG_NAME]) {
		/* The policy caps it; the copy stays within name[] by itself as well. */
		s->name_len = (size_t)nla_len(tb[UNIX_DIAG_NAME]);
		if (s->name_len > sizeof(s->name))
			s->name_len = sizeof(s->name);
		memcpy(s->name, nla_data(tb[UNIX_DIAG_NAME]), s->name_len);
	}
	if (tb[UNIX_DIAG_PEER])
		s->peer = nla_get_u32(tb[UNIX_DIAG_PEER]);
	if (tb[UNIX_DIAG_RQLEN]) {
		const struct unix_diag_rqlen *q = nla_data(tb[UNIX_DIAG_RQLEN]);

		s->rqlen = q->udiag_rqueue;
		s->wqlen = q->udiag_wqueue;
	}
	/* An array of the inodes of the connections waiting to be accepted. */
	if (tb[UNIX_DIAG_ICONS])
		s->nr_icons = (uint32_t)nla_len(tb[UNIX_DIAG_ICONS]) / sizeof(uint32_t);
	if (tb[UNIX_DIAG_VFS]) {
		const struct unix_diag_vfs *vfs = nla_data(tb[UNIX_DIAG_VFS]);

		s->vfs_ino = vfs->udiag_vfs_ino;
		s->vfs_dev = vfs->udiag_vfs_dev;
	}
	if (tb[UNIX_DIAG_SHUTDOWN])
		s->shutdown = nla_get_u8(tb[UNIX_DIAG_SHUTDOWN]);
}

/* One reply message: a unix_diag_msg and its attributes. */
static int unix_add(struct nlmsghdr *h, void *arg)
{
	struct nlattr *tb[UNIX_DIAG_MAX + 1];
	const struct unix_diag_msg *m;
	struct unix_dump *d = arg;
	struct sock_diag_unix *s;
	int ret;

	ret = nlmsg_parse(h, sizeof(*m), tb, UNIX_DIAG_MAX, unix_policy);
	if (ret < 0)
		return sock_diag_nl_errno(ret);
	m = nlmsg_data(h);
	if (ARRAY_GROW(d->v, d->n))
		return -ENOMEM;
	s = &d->v[d->n++];
	memset(s, 0, sizeof(*s));
	s->ino = m->udiag_ino;
	s->type = m->udiag_type;
	s->state = m->udiag_state;
	unix_attrs(s, tb);
	return tb[UNIX_DIAG_ICONS] ? unix_icons(d, s, tb[UNIX_DIAG_ICONS]) : 0;
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
	struct unix_dump d = {0};
	struct nl_sock *sk;
	int ret;

	*out = NULL;
	*n = 0;
	ret = sock_diag_nl_open(&sk);
	if (ret)
		return ret;
	ret = sock_diag_nl_dump(sk, &req, sizeof(req), unix_add, &d);
	sock_diag_nl_close(sk);
	if (ret) {
		free(d.v);
		free(d.icons);
		return ret;
	}
	if (d.n)
		qsort(d.v, d.n, sizeof(*d.v), cmp_ino);
	/* Each waiting client learns its listener (its own peer, the embryo, has no inode). */
	for (size_t i = 0; i < d.nr_icons; i++) {
		struct sock_diag_unix *c =
			(struct sock_diag_unix *)sock_diag_unix_find(d.v, d.n, d.icons[i].client);

		if (c) {
			c->acceptq_of = d.icons[i].listener;
			c->acceptq_pos = d.icons[i].pos;
		}
	}
	free(d.icons);
	*out = d.v;
	*n = d.n;
	return 0;
}

const struct sock_diag_unix *sock_diag_unix_find(const struct sock_diag_unix *v, size_t n,
						 uint32_t ino)
{
	/* The list is sorted by cmp_ino: a key with only the inode set finds it. */
	struct sock_diag_unix key = {.ino = ino};

	return n ? bsearch(&key, v, n, sizeof(*v), cmp_ino) : NULL;
}

int sock_unix_file(int sk, char *buf, size_t len, unsigned long *nlink)
{
	static const char del[] = " (deleted)";
	char link[64];
	struct stat st;
	ssize_t n;
	int fd = ioctl(sk, SIOCUNIXFILE), ret = 0;

	if (fd < 0)
		return -errno;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, buf, len - 1);
	if (n < 0 || (size_t)n >= len - 1 || fstat(fd, &st))
		ret = n < 0 || (size_t)n < len - 1 ? -errno : -ENAMETOOLONG;
	close(fd);
	if (ret)
		return ret;
	buf[n] = 0;
	*nlink = st.st_nlink;
	if (!st.st_nlink && (size_t)n >= sizeof(del) - 1 &&
	    !strcmp(buf + n - (sizeof(del) - 1), del))
		buf[n - (sizeof(del) - 1)] = 0;
	return 0;
}
