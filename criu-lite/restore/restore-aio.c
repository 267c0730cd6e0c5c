/*
 * Restore: AIO contexts (io_setup). A context is its ring, mapped from
 * "/[aio]", whose address is the context id. The process gets a new context
 * with as many event slots (io_setup of a count that gives the same ring
 * size), moved to the recorded address with mremap (the kernel follows the
 * ring, so the id is the old one). The events completed but not yet reaped
 * at dump time are put back: as many dummy requests (zero-byte reads of
 * /dev/null) are submitted, which complete at once and move the kernel's
 * tail, then their events are overwritten with the recorded ones.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/aio_abi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "inject.h"
#include "log.h"
#include "restore.h"
#include "restore-scratch.h"

/* The kernel's struct aio_ring header (fs/aio.c), then io_event[nr]. */
struct rst_aio_ring {
	uint32_t id, nr, head, tail, magic, compat, incompat, header_length;
};

#define RST_AIO_BATCH 32

/*
 * The recorded ring: [id, id + ring_len) from @t's pages (zero where none),
 * checked against the page checksums (a mismatch is logged there: -EBADMSG).
 */
static int rst_aio_read(const struct rst_ctx *c, const struct rst_task *t, const AioRingEntry *a,
			char *buf)
{
	memset(buf, 0, a->ring_len);
	for (size_t i = 0; i < t->pages.n; i++) {
		const struct rst_seg *sg = &t->pages.s[i];
		unsigned long s = sg->vaddr > a->id ? sg->vaddr : a->id;
		unsigned long e = sg->vaddr + sg->len < a->id + a->ring_len ? sg->vaddr + sg->len
									    : a->id + a->ring_len;

		if (s >= e)
			continue;
		if (pread(sg->pages_fd, buf + (s - a->id), e - s,
			  (off_t)(sg->off + (s - sg->vaddr))) != (ssize_t)(e - s))
			return errno ? -errno : -EIO;
		if (rst_csums_check(&c->csums, sg, s - sg->vaddr, buf + (s - a->id), e - s, t->pid))
			return -EBADMSG;
	}
	return 0;
}

/* @n zero-byte reads of @fd on context @ctx, completing at once. */
static int rst_aio_dummies(struct inject *in, unsigned long ctx, int fd, uint32_t n)
{
	const struct rst_scratch sc = rst_scratch_of(in);
	struct {
		struct iocb cb[RST_AIO_BATCH];
		uint64_t p[RST_AIO_BATCH];
	} b;
	unsigned long at;
	long r;

	while (n) {
		uint32_t k = n < RST_AIO_BATCH ? n : RST_AIO_BATCH;

		memset(&b, 0, sizeof(b));
		r = rst_scratch_at(&sc, RST_SCR_ARG, 0, sizeof(b), &at);
		if (r)
			return (int)r;
		for (uint32_t i = 0; i < k; i++) {
			b.cb[i].aio_lio_opcode = IOCB_CMD_PREAD;
			b.cb[i].aio_fildes = (uint32_t)fd;
			b.p[i] = at + i * sizeof(struct iocb);
		}
		r = rst_scratch_put(in, &sc, RST_SCR_ARG, 0, &b, sizeof(b), &at);
		if (!r)
			r = inject_call(in, SYS_io_submit, ctx, k, at + sizeof(b.cb), 0, 0, 0);
		if (r != (long)k)
			return r < 0 ? (int)r : -EAGAIN;
		n -= k;
	}
	return 0;
}

/* A context like @a's at its address, with @old's pending events. -errno, not logged. */
static int rst_aio_one(struct rst_task *t, struct inject *in, const AioRingEntry *a,
		       const char *old)
{
	const struct rst_scratch sc = rst_scratch_of(in);
	const struct rst_aio_ring *o = (const void *)old;
	uint32_t slots = (uint32_t)(a->ring_len / sizeof(struct io_event));
	uint32_t pending = o->nr ? (o->tail + o->nr - o->head) % o->nr : 0, nr = 0;
	unsigned long at, ctx = 0;
	struct iovec l, r;
	long ret;
	int fd;

	/* (2 * n + 2) events and the header fill the ring exactly: see aio_setup_ring() */
	ret = rst_scratch_put(in, &sc, RST_SCR_ARG, 0, &ctx, sizeof(ctx), &at);
	if (!ret)
		ret = inject_call(in, SYS_io_setup, (slots - 3) / 2, at, 0, 0, 0, 0);
	if (!ret)
		ret = inject_read(in, at, &ctx, sizeof(ctx));
	if (ret)
		return (int)ret;
	ret = inject_call(in, SYS_mremap, ctx, a->ring_len, a->ring_len,
			  MREMAP_MAYMOVE | MREMAP_FIXED, a->id, 0);
	if (ret != (long)a->id)
		return ret < 0 ? (int)ret : -EIO;
	ret = inject_read(in, a->id + 4, &nr, sizeof(nr));
	if (ret)
		return (int)ret;
	if (nr != o->nr || o->head >= o->nr || o->tail >= o->nr)
		return -ERANGE;
	if (!pending)
		return 0;
	fd = rst_open_in_task(in, "/dev/null", O_RDONLY);
	if (fd < 0)
		return fd;
	ret = rst_aio_dummies(in, a->id, fd, pending);
	inject_call(in, SYS_close, (unsigned long)fd, 0, 0, 0, 0, 0);
	/* the dummies fill slots 0..pending-1: the recorded events go there, in order */
	for (uint32_t i = 0; !ret && i < pending; i++) {
		size_t from = sizeof(*o) + ((o->head + i) % o->nr) * sizeof(struct io_event);

		l = (struct iovec){(void *)(old + from), sizeof(struct io_event)};
		r = (struct iovec){(void *)(a->id + sizeof(*o) + i * sizeof(struct io_event)),
				   sizeof(struct io_event)};
		if (process_vm_writev(t->pid, &l, 1, &r, 1, 0) != (ssize_t)sizeof(struct io_event))
			ret = -errno;
	}
	return (int)ret;
}

int rst_aio_restore(const struct rst_ctx *c, struct rst_task *t, struct inject *in)
{
	for (size_t i = 0; i < t->mm->n_aios; i++) {
		const AioRingEntry *a = t->mm->aios[i];
		char *old = malloc(a->ring_len ? a->ring_len : 1);
		int ret = old ? 0 : -ENOMEM;

		if (!ret && a->ring_len < sizeof(struct rst_aio_ring) + 4 * sizeof(struct io_event))
			ret = -EINVAL;
		if (!ret)
			ret = rst_aio_read(c, t, a, old);
		if (!ret)
			ret = rst_aio_one(t, in, a, old);
		free(old);
		if (ret == -EBADMSG) /* said, naming the images file */
			return ret;
		if (ret) {
			pr_err("pid %d: AIO context 0x%lx (ring of %u bytes): %s", t->pid,
			       (unsigned long)a->id, a->ring_len,
			       ret == -ERANGE ? "cannot be recreated with as many event slots"
					      : strerror(-ret));
			return ret;
		}
	}
	return 0;
}
