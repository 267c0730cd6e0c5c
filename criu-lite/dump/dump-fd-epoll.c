/*
 * epoll instances. An epoll item is keyed by (file, fd number) at the time
 * it was added: fdinfo's "tfd:" lines keep that number after the fd was
 * closed, moved by dup, or when the file lives only in another process of
 * the tree (an epoll inherited across fork). So each item's file is found
 * once every fd of the tree is known (dump_finish), by kcmp(KCMP_EPOLL_TFD)
 * against the open files seen, and recorded as crl_file_id; the entries are
 * written to files.img only then. An item whose file no process of the tree
 * holds (it lives outside the tree) is refused, as CRIU does.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kcmp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "array.h"
#include "dump-files.h"
#include "log.h"

/* One epoll instance waiting for its targets' files. */
struct ep_pending {
	FileEntry fe;
	EventpollFileEntry ep;
	FownEntry fown;
	EventpollTfdEntry *tfds; /* n_tfd, malloc'd */
	EventpollTfdEntry **tfdp;
	uint32_t *toff; /* per item: earlier items with the same tfd (kcmp's toff) */
	pid_t pid;	/* a holder of the epoll fd, frozen until the dump ends */
	int fd;
};

struct ep_state {
	struct ep_pending *v;
	size_t n;
};

static int ep_init(struct dump_ctx *ctx, void **st)
{
	*st = calloc(1, sizeof(struct ep_state));
	return *st ? 0 : -ENOMEM;
}

static void ep_fini(void *st)
{
	struct ep_state *s = st;

	for (size_t i = 0; s && i < s->n; i++) {
		free(s->v[i].tfds);
		free(s->v[i].tfdp);
		free(s->v[i].toff);
	}
	if (s)
		free(s->v);
	free(s);
}

static int ep_fill(struct ep_pending *p, const struct fd_desc *d, uint32_t id)
{
	size_t n = d->fi.n_tfds;

	p->tfds = calloc(n + 1, sizeof(*p->tfds));
	p->tfdp = calloc(n + 1, sizeof(*p->tfdp));
	p->toff = calloc(n + 1, sizeof(*p->toff));
	if (!p->tfds || !p->tfdp || !p->toff)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct proc_epoll_tfd *s = &d->fi.tfds[i];
		EventpollTfdEntry *e = &p->tfds[i];

		eventpoll_tfd_entry__init(e);
		e->id = id;
		e->tfd = (uint32_t)s->tfd;
		e->events = s->events;
		e->data = s->data;
		e->has_dev = e->has_inode = e->has_pos = true;
		e->dev = s->dev;
		e->inode = s->ino;
		e->pos = s->pos;
		p->tfdp[i] = e;
		/* fdinfo walks the items in the kernel's order, as kcmp's toff counts them */
		for (size_t j = 0; j < i; j++)
			p->toff[i] += d->fi.tfds[j].tfd == s->tfd;
	}
	p->ep.n_tfd = n;
	p->ep.tfd = p->tfdp;
	return 0;
}

/* Kept for dump_finish: returns 1, the entry is written there. */
static int fd_epoll(struct dump_ctx *ctx, void *st, struct fd_desc *d, FileEntry *fe)
{
	struct ep_state *s = st;
	struct ep_pending *p;
	int ret;

	if (ARRAY_GROW(s->v, s->n))
		return -ENOMEM;
	p = &s->v[s->n++];
	memset(p, 0, sizeof(*p));
	file_entry__init(&p->fe);
	eventpoll_file_entry__init(&p->ep);
	p->fown = *d->fown;
	p->pid = d->pid;
	p->fd = d->fd;
	ret = ep_fill(p, d, fe->id);
	if (ret)
		return ret;
	p->ep.id = p->fe.id = fe->id;
	p->ep.flags = d->fi.flags & ~O_CLOEXEC;
	p->ep.fown = &p->fown;
	p->fe.type = fe->type = FD_TYPES__EVENTPOLL;
	p->fe.epfd = &p->ep;
	return 1;
}

/* The open file of item @i of @p among the tree's: its id, 0 if none. */
static uint32_t ep_target(const struct dump_ctx *ctx, const struct ep_pending *p, size_t i)
{
	const EventpollTfdEntry *e = p->tfdp[i];
	struct kcmp_epoll_slot slot = {.efd = (uint32_t)p->fd, .tfd = e->tfd, .toff = p->toff[i]};

	for (size_t k = 0; k < ctx->nr_keys; k++) {
		const struct dump_file_key *key = &ctx->keys[k];

		if (key->fd < 0 || (uint64_t)key->ino != e->inode)
			continue;
		if (!syscall(SYS_kcmp, key->pid, p->pid, KCMP_EPOLL_TFD, key->fd, &slot))
			return key->id;
	}
	return 0;
}

static int ep_finish(struct dump_ctx *ctx, void *st)
{
	struct ep_state *s = st;
	int ret = 0;

	for (size_t i = 0; !ret && i < s->n; i++) {
		struct ep_pending *p = &s->v[i];

		for (size_t k = 0; k < p->ep.n_tfd; k++) {
			EventpollTfdEntry *e = p->tfdp[k];

			e->crl_file_id = ep_target(ctx, p, k);
			e->has_crl_file_id = true;
			if (e->crl_file_id)
				continue;
			pr_err("dump: epoll fd %d of %d watches fd %u (inode %llu), a file no "
			       "process "
			       "of the tree holds (it lives outside the tree): not supported; dump "
			       "the tree that holds it too",
			       p->fd, p->pid, e->tfd, (unsigned long long)e->inode);
			return -EOPNOTSUPP;
		}
		ret = img_write_msg(ctx->files_img, &p->fe.base);
	}
	return ret;
}

static int eventpoll_match(const struct fd_desc *d)
{
	return dump_fd_anon_is(d, "[eventpoll]");
}

const struct fd_dump_ops dump_fd_eventpoll = {
	.name = "eventpoll",
	.type = FD_TYPES__EVENTPOLL,
	.init = ep_init,
	.match = eventpoll_match,
	.dump = fd_epoll,
	.dump_finish = ep_finish,
	.fini = ep_fini,
};
