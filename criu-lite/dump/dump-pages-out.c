/*
 * How dumped pages are written (the selection is in dump-pages.c): for one
 * pagemap image, the entries (present pages, and PE_PARENT runs left to the
 * parent dump) and the page contents, to local files or a page server.
 *
 * Runs of pages are gathered as remote iovecs into one batch buffer
 * (allocated once by dump_pages_init, populated up front: first touch is
 * expensive here), copied with process_vm_readv (falling back to
 * /proc/PID/mem for what it cannot read, such as PROT_NONE areas), and
 * written with one write() by a writer thread while the next batch is read
 * into the other half. The writer also computes each page's checksum
 * (pagecsum-N.img) just before writing it.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "dump-cow.h"
#include "dump-pages.h"
#include "dump.h"
#include "log.h"
#include "page-xfer.h"
#include "pagemap.pb-c.h"

/*
 * With O_DIRECT the pages go from our populated buffer to the disk without
 * page-cache copies (fresh page-cache pages cost a first touch each here).
 * Every write is page-aligned in address, length and file offset.
 */
static int writer_write(struct page_writer *w, const uint8_t *buf, size_t len)
{
	size_t done = 0;
	int ret;

	if (w->px)
		return page_xfer_pages(w->px, buf, len);
	ret = pagecsum_add(w->csum, buf, len);
	if (ret)
		return ret;
	if (w->direct_fd < 0)
		return img_write_raw(w->img, buf, len);
	while (done < len) {
		ssize_t n = write(w->direct_fd, buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = n < 0 ? errno : EIO;

			pr_err("image '%s': write: %s", w->img->path, strerror(e));
			return -e;
		}
		done += (size_t)n;
	}
	return 0;
}

static void *writer_main(void *arg)
{
	struct page_writer *w = arg;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		const uint8_t *buf;
		size_t len;
		uint64_t t0;
		int r;

		while (!w->len && !w->stop)
			pthread_cond_wait(&w->cv, &w->mu);
		if (!w->len)
			break;
		buf = w->buf;
		len = w->len;
		pthread_mutex_unlock(&w->mu);
		t0 = dump_now_us();
		r = w->err ? 0 : writer_write(w, buf, len);
		pthread_mutex_lock(&w->mu);
		if (r && !w->err)
			w->err = r;
		w->busy_us += dump_now_us() - t0;
		w->len = 0;
		pthread_cond_broadcast(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

static void writer_start(struct page_writer *w, struct img *img, struct page_xfer *px,
			 struct pagecsum_out *csum)
{
	int fl = img ? fcntl(img->fd, F_GETFL) : -1;

	memset(w, 0, sizeof(*w));
	w->img = img;
	w->px = px;
	w->csum = csum;
	/* Where the file system refuses O_DIRECT (tmpfs on old kernels), write buffered. */
	w->direct_fd = fl >= 0 && !fcntl(img->fd, F_SETFL, fl | O_DIRECT) ? img->fd : -1;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	/*
	 * Without a thread, writes happen inline. The page server connection
	 * carries entries too, from this thread: frames must not interleave.
	 */
	w->running = !px && pthread_create(&w->th, NULL, writer_main, w) == 0;
}

/* Waits until the writer is idle; returns its first error. */
static int writer_wait(struct page_writer *w)
{
	int err;

	pthread_mutex_lock(&w->mu);
	while (w->len)
		pthread_cond_wait(&w->cv, &w->mu);
	err = w->err;
	pthread_mutex_unlock(&w->mu);
	return err;
}

static int writer_submit(struct page_writer *w, const uint8_t *buf, size_t len)
{
	int ret;

	if (!w->running) {
		uint64_t t0 = dump_now_us();

		ret = writer_write(w, buf, len);
		w->busy_us += dump_now_us() - t0;
		return ret;
	}
	ret = writer_wait(w);
	if (ret)
		return ret;
	pthread_mutex_lock(&w->mu);
	w->buf = buf;
	w->len = len;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	return 0;
}

static int writer_stop(struct page_writer *w)
{
	int err = w->running ? writer_wait(w) : w->err;

	if (w->running) {
		pthread_mutex_lock(&w->mu);
		w->stop = true;
		pthread_cond_broadcast(&w->cv);
		pthread_mutex_unlock(&w->mu);
		pthread_join(w->th, NULL);
		w->running = false;
	}
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	return err;
}

int page_out_open(struct page_out *po, struct dump_ctx *ctx, pid_t pid, enum img_kind k,
		  unsigned long id)
{
	PagemapHead head = PAGEMAP_HEAD__INIT;
	int ret;

	memset(po, 0, sizeof(*po));
	po->ctx = ctx;
	po->pid = pid;
	po->page_size = (size_t)sysconf(_SC_PAGESIZE);
	po->mem_fd = -1;
	head.pages_id = ++ctx->next_pages_id;
	po->half_len = ctx->pagebuf_len / 2;
	po->half[0] = ctx->pagebuf;
	po->half[1] = ctx->pagebuf + po->half_len;
	po->px = ctx->px;
	if (po->px) {
		ret = page_xfer_open_image(po->px, k, id, head.pages_id);
		if (ret)
			return ret;
		po->px_open = true;
		writer_start(&po->w, NULL, po->px, NULL);
		po->threaded = true;
		return 0;
	}
	ret = img_open(&ctx->dir, k, id, true, &po->pm);
	if (ret)
		return ret;
	ret = img_write_msg(po->pm, &head.base);
	if (!ret)
		ret = img_open(&ctx->dir, IMG_PAGES, head.pages_id, true, &po->pages);
	if (!ret && !ctx->o->no_page_checksums)
		ret = pagecsum_open(&po->csum, &ctx->dir, head.pages_id, po->page_size);
	if (!ret && k == IMG_PAGEMAP) {
		writer_start(&po->w, po->pages, NULL, &po->csum);
		po->threaded = true;
	}
	return ret;
}

/* /proc/PID/mem for what process_vm_readv refused (unreadable areas). */
static int batch_read_mem(struct page_out *po, size_t iov_idx, size_t skip, uint8_t *dst)
{
	for (size_t i = iov_idx; i < po->nr_iov; i++, skip = 0) {
		size_t len = po->iov[i].iov_len - skip;
		unsigned long addr = (unsigned long)po->iov[i].iov_base + skip;
		size_t done = 0;

		if (po->mem_fd < 0) {
			char path[64];

			snprintf(path, sizeof(path), "/proc/%d/mem", po->pid);
			po->mem_fd = open(path, O_RDONLY | O_CLOEXEC);
			if (po->mem_fd < 0)
				return -errno;
		}
		while (done < len) {
			ssize_t n = pread(po->mem_fd, dst + done, len - done, (off_t)(addr + done));

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				int e = n < 0 ? errno : EIO;

				pr_err("dump: memory of pid %d at %lx: %s", po->pid, addr + done,
				       strerror(e));
				return -e;
			}
			done += (size_t)n;
		}
		dst += len;
	}
	return 0;
}

static int batch_flush(struct page_out *po)
{
	struct dump_ctx *ctx = po->ctx;
	uint8_t *dst = po->half[po->cur];
	size_t i = 0, off = 0;
	uint64_t t0 = dump_now_us();
	int ret = 0;

	if (!po->bytes)
		return 0;
	if (po->cow)
		ret = dump_cow_read(po->cow, po->iov, po->nr_iov, dst);
	else if (po->batch_nopin)
		ret = batch_read_mem(po, 0, 0, dst);
	while (!po->cow && !po->batch_nopin && i < po->nr_iov) {
		struct iovec local = {dst, po->bytes - off};
		ssize_t n = process_vm_readv(po->pid, &local, 1, &po->iov[i], po->nr_iov - i, 0);
		size_t got = n > 0 ? (size_t)n : 0;

		/* Advance over the fully read remote ranges. */
		while (i < po->nr_iov && got >= po->iov[i].iov_len) {
			got -= po->iov[i].iov_len;
			off += po->iov[i].iov_len;
			dst += po->iov[i].iov_len;
			i++;
		}
		if (i == po->nr_iov)
			break;
		if (n > 0 && got == 0)
			continue;
		/* Partial or failed: the rest of the batch through /proc/PID/mem. */
		ret = batch_read_mem(po, i, got, dst + got);
		if (ret)
			return ret;
		dst += got;
		break;
	}
	if (ret)
		return ret;
	ctx->st.memdump_us += dump_now_us() - t0;
	if (ctx->hooks.written) {
		const uint8_t *data = po->half[po->cur];

		for (i = 0; i < po->nr_iov; i++) {
			ctx->hooks.written(ctx->hooks.arg, po->pid,
					   (unsigned long)po->iov[i].iov_base, data,
					   po->iov[i].iov_len / po->page_size);
			data += po->iov[i].iov_len;
		}
	}
	ret = writer_submit(&po->w, po->half[po->cur], po->bytes);
	ctx->st.pages_written += po->bytes / po->page_size;
	po->cur ^= 1;
	po->nr_iov = 0;
	po->bytes = 0;
	po->batch_nopin = false;
	return ret;
}

static int batch_add(struct page_out *po, unsigned long addr, size_t nr)
{
	size_t len = nr * po->page_size;
	int ret;

	while (len) {
		size_t room = po->half_len - po->bytes, take = len < room ? len : room;

		if (!room || po->nr_iov == BATCH_IOVS) {
			ret = batch_flush(po);
			if (ret)
				return ret;
			continue;
		}
		if (po->nr_iov && (unsigned long)po->iov[po->nr_iov - 1].iov_base +
						  po->iov[po->nr_iov - 1].iov_len ==
					  addr) {
			po->iov[po->nr_iov - 1].iov_len += take;
		} else {
			po->iov[po->nr_iov].iov_base = (void *)addr;
			po->iov[po->nr_iov].iov_len = take;
			po->nr_iov++;
		}
		po->bytes += take;
		po->batch_nopin |= po->nopin;
		addr += take;
		len -= take;
	}
	return 0;
}

int page_out_flush(struct page_out *po)
{
	PagemapEntry e = PAGEMAP_ENTRY__INIT;

	if (!po->ent_nr)
		return 0;
	e.vaddr = po->ent_addr;
	e.nr_pages = (uint32_t)po->ent_nr;
	e.has_flags = true;
	e.flags = po->ent_flags;
	if (po->ent_flags & PE_PARENT) {
		e.has_in_parent = true;
		e.in_parent = true;
	}
	po->ent_nr = 0;
	if (po->px)
		return page_xfer_entry(po->px, e.vaddr, e.nr_pages, e.flags);
	return img_write_msg(po->pm, &e.base);
}

/* Records @nr pages at @addr with @flags, growing the current entry when contiguous. */
static int page_out_entry(struct page_out *po, unsigned long addr, size_t nr, unsigned int flags)
{
	int ret;

	if (po->ent_nr &&
	    (po->ent_flags != flags || po->ent_addr + po->ent_nr * po->page_size != addr ||
	     po->ent_nr + nr > UINT32_MAX / 2)) {
		ret = page_out_flush(po);
		if (ret)
			return ret;
	}
	if (!po->ent_nr) {
		po->ent_addr = addr;
		po->ent_flags = flags;
	}
	po->ent_nr += nr;
	return 0;
}

int page_out_pages(struct page_out *po, unsigned long addr, size_t nr, unsigned int flags)
{
	int ret = page_out_entry(po, addr, nr, flags);

	if (!ret && (flags & PE_PRESENT))
		ret = batch_add(po, addr, nr);
	return ret;
}

int page_out_raw(struct page_out *po, unsigned long addr, const uint8_t *buf, size_t len)
{
	int ret = page_out_entry(po, addr, len / po->page_size, PE_PRESENT);

	if (ret)
		return ret;
	if (po->px)
		return page_xfer_pages(po->px, buf, len);
	return pagecsum_add(&po->csum, buf, len) ?: img_write_raw(po->pages, buf, len);
}

int page_out_close(struct page_out *po, int ret)
{
	if (!ret)
		ret = page_out_flush(po);
	if (!ret)
		ret = batch_flush(po);
	if (po->threaded) {
		ret = writer_stop(&po->w) ?: ret;
		po->ctx->st.memwrite_us += po->w.busy_us;
	}
	if (po->px_open)
		ret = page_xfer_close_image(po->px) ?: ret;
	ret = img_close(po->pm) ?: ret;
	ret = img_close(po->pages) ?: ret;
	ret = pagecsum_close(&po->csum, ret);
	if (po->mem_fd >= 0)
		close(po->mem_fd);
	return ret;
}
