/*
 * Internal to dump-pages.c (which pages) and dump-pages-out.c (how they are
 * written): one pagemap image and its pages being written, locally or to a
 * page server.
 */
#ifndef CRL_DUMP_PAGES_H
#define CRL_DUMP_PAGES_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "dump.h"
#include "img-pagecsum.h"
#include "img.h"
#include "page-xfer.h"

/* pagemap_entry flags (CRIU's pagemap.proto) */
#define PE_PARENT (1u << 0)
#define PE_PRESENT (1u << 2)

#define BATCH_IOVS 1024 /* UIO_MAXIOV */

/*
 * Writing pages overlaps with reading the next batch: a writer thread takes
 * one half of the page buffer while the reader fills the other.
 */
struct page_writer {
	pthread_t th;
	bool running;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct img *img;
	struct page_xfer *px;	   /* --page-server: pages go there instead */
	int direct_fd;		   /* img's fd opened O_DIRECT, -1: write through img */
	struct pagecsum_out *csum; /* checksums of what is written (not open: none) */
	const uint8_t *buf;
	size_t len; /* the job; 0 when idle */
	bool stop;
	int err; /* first write error */
	uint64_t busy_us;
};

struct dump_cow_task;

/* One pagemap-*.img + pages-N.img pair being written. */
struct page_out {
	struct dump_ctx *ctx;
	pid_t pid;
	size_t page_size;
	int mem_fd; /* /proc/PID/mem, opened on first need */
	/*
	 * Read the pages added now through /proc/PID/mem: process_vm_readv pins
	 * them, and pinning a page shared copy-on-write copies it (the kernel
	 * unshares it), so a dump would break the sharing of a parent and its
	 * children. Set per VMA; batch_nopin: some page of the batch is such.
	 */
	bool nopin, batch_nopin;
	struct img *pm, *pages;
	struct pagecsum_out csum; /* pagecsum-N.img of the pages file (local files) */
	/* the entry being grown */
	unsigned long ent_addr;
	size_t ent_nr;
	unsigned int ent_flags;
	/* the read batch: remote ranges landing back to back in half[cur] */
	struct iovec iov[BATCH_IOVS];
	size_t nr_iov, bytes;
	uint8_t *half[2];
	size_t half_len;
	int cur;
	bool threaded;
	struct page_writer w;
	struct page_xfer *px; /* --page-server connection, NULL: local files */
	bool px_open;
	/* copy-on-write (dump-cow.h): pages read as they were at the freeze */
	struct dump_cow_task *cow;
	/* while frozen: pages only planned (dump-pages.c), no image open */
	struct dump_cow_task *plan;
};

/*
 * Starts pagemap image @k (IMG_PAGEMAP or IMG_SHMEM_PAGEMAP) @id of @pid and
 * its pages image, or the same image on ctx->px. 0 or -errno; page_out_close
 * is due either way.
 */
int page_out_open(struct page_out *po, struct dump_ctx *ctx, pid_t pid, enum img_kind k,
		  unsigned long id);
/*
 * Records @nr pages at @addr with @flags (PE_PRESENT or PE_PARENT), growing
 * the current entry when contiguous; present pages are queued to be read from
 * the process and written. 0 or -errno.
 */
int page_out_pages(struct page_out *po, unsigned long addr, size_t nr, unsigned int flags);
/* Records @len bytes (whole pages) at @addr that the caller read into @buf, and writes them. */
int page_out_raw(struct page_out *po, unsigned long addr, const uint8_t *buf, size_t len);
/* Writes the entry being grown (entries never span two VMAs). 0 or -errno. */
int page_out_flush(struct page_out *po);
/* Flushes what is pending unless @ret, closes everything; the first error or @ret. */
int page_out_close(struct page_out *po, int ret);

#endif
