/*
 * restore --lazy-pages --page-server --address A --port P: the pages files
 * stay on a page server (criu-lite page-server -D DUMP), the other images
 * (pagemaps included) are local. Each pages file the restore opens is a
 * memfd of the remote file's size, holey: before the tree exists, the pages
 * the restore itself writes (everything that is not lazy, or may be shared
 * copy-on-write between a parent and a child, and shared memory) are fetched
 * into it at their offsets, so the rest of the restore reads them as from a
 * local file; the lazy-pages server then fetches the lazy ones on demand over
 * the same connection, which it inherits (the tool lets go of it).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "array.h"
#include "log.h"
#include "page-xfer.h"
#include "restore-lazy.h"

struct rst_remote_file {
	char name[4200]; /* relative to the server's -D */
	int fd;		 /* the memfd */
	uint32_t handle;
	uint64_t size;
};

struct rst_remote {
	struct page_xfer *px;
	struct rst_remote_file *f;
	size_t n;
	int *fds; /* every fd handed out (dups of the memfds), and its file */
	size_t *fi;
	size_t nfds;
	void *buf;
};

int rst_remote_connect(struct rst_ctx *c)
{
	struct rst_remote *r = calloc(1, sizeof(*r));
	int ret;

	if (!r)
		return -ENOMEM;
	r->buf = malloc(RST_REMOTE_CHUNK);
	ret = r->buf ? page_xfer_connect(c->o->address, c->o->port, &r->px) : -ENOMEM;
	if (ret) {
		pr_err("restore --lazy-pages: no page server at %s:%d", c->o->address, c->o->port);
		free(r->buf);
		free(r);
		return ret;
	}
	c->remote = r;
	return 0;
}

static int rm_keep_fd(struct rst_remote *r, int fd, size_t fi)
{
	size_t n = r->nfds;

	if (ARRAY_GROW(r->fds, n) || ARRAY_GROW(r->fi, n)) {
		close(fd);
		return -ENOMEM;
	}
	r->fds[n] = fd;
	r->fi[n] = fi;
	r->nfds++;
	return 0;
}

int rst_remote_open(struct rst_ctx *c, const struct img_dir *d, uint32_t id, int *fd,
		    uint64_t *size)
{
	struct rst_remote *r = c->remote;
	const char *rel = d->path + strlen(c->dir.path);
	char name[4200];
	size_t len = 0, i;
	int ret;

	/* d is c->dir or c->dir/parent/parent...: the same chain on the server */
	for (; !strncmp(rel, "/parent", 7); rel += 7)
		len += (size_t)snprintf(name + len, sizeof(name) - len, "parent/");
	snprintf(name + len, sizeof(name) - len, "pages-%u.img", id);
	for (i = 0; i < r->n && strcmp(r->f[i].name, name); i++)
		;
	if (i == r->n) {
		struct rst_remote_file f = {.fd = -1};

		if (!r->px) {
			pr_err("restore --lazy-pages: '%s' was not fetched before the tree ran",
			       name);
			return -EIO;
		}
		snprintf(f.name, sizeof(f.name), "%s", name);
		ret = page_xfer_get_open(r->px, name, &f.handle, &f.size);
		if (!ret) {
			f.fd = memfd_create(name, MFD_CLOEXEC);
			ret = f.fd < 0 || ftruncate(f.fd, (off_t)f.size) ? -errno : 0;
		}
		if (!ret && ARRAY_GROW(r->f, r->n))
			ret = -ENOMEM;
		if (ret) {
			pr_err("restore --lazy-pages: pages file '%s' on the page server: %s", name,
			       strerror(-ret));
			if (f.fd >= 0)
				close(f.fd);
			return ret;
		}
		r->f[r->n++] = f;
	}
	*fd = fcntl(r->f[i].fd, F_DUPFD_CLOEXEC, 0);
	if (*fd < 0)
		return -errno;
	*size = r->f[i].size;
	return rm_keep_fd(r, *fd, i);
}

bool rst_remote_handle(const struct rst_ctx *c, int fd, uint32_t *handle)
{
	const struct rst_remote *r = c->remote;

	for (size_t i = 0; r && i < r->nfds; i++)
		if (r->fds[i] == fd) {
			*handle = r->f[r->fi[i]].handle;
			return true;
		}
	return false;
}

void *rst_remote_buf(const struct rst_ctx *c)
{
	return c->remote->buf;
}

int rst_remote_read(struct rst_ctx *c, int fd, uint64_t off, void *buf, size_t len)
{
	uint32_t h;

	if (!rst_remote_handle(c, fd, &h) || !c->remote->px)
		return -EBADF;
	return page_xfer_get_read(c->remote->px, h, off, buf, (uint32_t)len);
}

int rst_remote_ask(struct rst_ctx *c, int fd, uint64_t off, size_t len)
{
	uint32_t h;

	if (!rst_remote_handle(c, fd, &h) || !c->remote->px)
		return -EBADF;
	return page_xfer_get_ask(c->remote->px, h, off, (uint32_t)len);
}

int rst_remote_take(struct rst_ctx *c, uint64_t off, void *buf, size_t len)
{
	return c->remote->px ? page_xfer_get_take(c->remote->px, off, buf, (uint32_t)len) : -EBADF;
}

void rst_remote_let_go(struct rst_ctx *c)
{
	if (!c->remote)
		return;
	page_xfer_drop(c->remote->px);
	c->remote->px = NULL;
}

void rst_remote_free(struct rst_ctx *c)
{
	struct rst_remote *r = c->remote;

	if (!r)
		return;
	page_xfer_close(r->px);
	for (size_t i = 0; i < r->n; i++)
		close(r->f[i].fd);
	free(r->f);
	free(r->fds);
	free(r->fi);
	free(r->buf);
	free(r);
	c->remote = NULL;
}
