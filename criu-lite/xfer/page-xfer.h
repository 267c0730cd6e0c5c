/*
 * Page transfer: memory images sent over TCP to a page server
 * (docs/page-server.md has the whole protocol).
 *
 * Every message is one frame:
 *
 *   frame  := header payload
 *   header := u32 magic  u16 type  u16 flags(0)  u32 len  u32 seq  u64 sum
 *
 * all little endian, 24 bytes. seq counts frames per direction from 0;
 * sum is page_xfer_hash() of the payload seeded with (type, len, seq), so a
 * flipped, lost or reordered frame is refused. A payload never exceeds
 * PAGE_XFER_MAX_FRAME. The protocol version travels in HELLO.
 *
 * Client (dumping side) conversation:
 *   HELLO -> HELLO_OK
 *   { BEGIN  { OPEN  (ENTRIES | PAGES)*  CLOSE }*  COMMIT -> COMMIT_OK }*
 *   BYE
 * Client (lazily restoring side), reading pages files the server holds:
 *   HELLO -> HELLO_OK  { GET_OPEN -> GET_FILE | GET_READ -> GET_DATA }*  BYE
 * The server answers ERROR (i32 errno, text) and closes on anything wrong.
 * An iteration (BEGIN..COMMIT) becomes visible in the server's directory
 * only at COMMIT; a connection lost before that leaves nothing behind.
 */
#ifndef CRL_PAGE_XFER_H
#define CRL_PAGE_XFER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "img.h"

#define PAGE_XFER_MAGIC 0x58504c43u /* "CLPX" on the wire */
#define PAGE_XFER_VERSION 1
#define PAGE_XFER_HDR_SIZE 24
/* Largest payload accepted; anything bigger is garbage. */
#define PAGE_XFER_MAX_FRAME (16u << 20)
/* Page data is cut into frames of at most this much. */
#define PAGE_XFER_PAGES_FRAME (16u << 20)
/* Pagemap entries sent per ENTRIES frame (16 bytes each). */
#define PAGE_XFER_ENTRIES_FRAME 4096
#define PAGE_XFER_NAME_MAX 255

enum page_xfer_type {
	PX_HELLO = 1, /* C->S: u32 version, u32 page size, u32 flags, char arch[32] */
	PX_HELLO_OK,  /* S->C: the same, the server's values */
	PX_BEGIN,     /* C->S: u16 name len, u16 parent len, name, parent link */
	PX_OPEN,      /* C->S: u32 kind, u32 0, u64 id, u64 pages id */
	PX_ENTRIES,   /* C->S: { u64 vaddr, u32 nr pages, u32 flags }* */
	PX_PAGES,     /* C->S: raw page bytes, a multiple of the page size */
	PX_CLOSE,     /* C->S: u64 entries, u64 page bytes (totals of the image) */
	PX_COMMIT,    /* C->S: empty */
	PX_COMMIT_OK, /* S->C: u64 images, u64 page bytes of the iteration */
	PX_BYE,	      /* C->S: empty */
	PX_ERROR,     /* S->C: i32 errno, text */
	/* C->S: u32 CRC32C of each page of the next PAGES frame (HELLO flag PX_HELLO_PAGE_CSUM) */
	PX_PAGE_CSUMS,
	/* Reading a dump's pages from the server (restore --lazy-pages --page-server): */
	PX_GET_OPEN, /* C->S: u16 name len, name ("parent/"* "pages-N.img" in the server's -D) */
	PX_GET_FILE, /* S->C: u32 handle, u32 0, u64 size */
	PX_GET_READ, /* C->S: u32 handle, u32 len, u64 offset */
	PX_GET_DATA, /* S->C: len bytes of the file at offset */
	PX_TYPE_MAX,
};

/* Image kinds in OPEN. */
#define PX_IMG_PAGEMAP 1
#define PX_IMG_SHMEM_PAGEMAP 2

#define PX_HELLO_SIZE 44
/*
 * HELLO flags. PX_HELLO_PAGE_CSUM: the client may send a PAGE_CSUMS frame
 * before a PAGES frame, and the server checks and keeps the values (its
 * HELLO_OK has the flag when it does). Servers before it ignore the flags
 * and answer 0, so the client then sends none.
 */
#define PX_HELLO_PAGE_CSUM (1u << 0)
/* Most values in one PAGE_CSUMS frame: one per page of the largest PAGES frame. */
#define PX_CSUMS_MAX (PAGE_XFER_PAGES_FRAME / 4096)
#define PX_ENTRY_SIZE 16

/* pagemap_entry.flags understood on the wire (CRIU's values). */
#define PX_PE_PARENT (1u << 0)
#define PX_PE_LAZY (1u << 1)
#define PX_PE_PRESENT (1u << 2)

struct page_xfer_hdr {
	uint32_t magic;
	uint16_t type;
	uint16_t flags;
	uint32_t len;
	uint32_t seq;
	uint64_t sum;
};

/* ---- wire helpers shared by client and server ---- */

/* 64-bit non-cryptographic hash (8 lanes of multiply/xorshift) of @len bytes. */
uint64_t page_xfer_hash(const void *data, size_t len, uint64_t seed);
uint64_t page_xfer_frame_sum(uint16_t type, uint32_t seq, const void *payload, size_t len);

void page_xfer_put32(uint8_t *p, uint32_t v);
void page_xfer_put64(uint8_t *p, uint64_t v);
uint16_t page_xfer_get16(const uint8_t *p);
uint32_t page_xfer_get32(const uint8_t *p);
uint64_t page_xfer_get64(const uint8_t *p);

void page_xfer_hdr_pack(const struct page_xfer_hdr *h, uint8_t *out);
void page_xfer_hdr_unpack(const uint8_t *in, struct page_xfer_hdr *h);
const char *page_xfer_type_name(unsigned int type);

/* Fills a HELLO payload with this machine's version, page size and arch. */
void page_xfer_hello_fill(uint8_t *out, uint32_t version);

/*
 * Sends one frame (header + @len payload bytes from @iov) with writev; @seq is
 * incremented. 0 or -errno.
 */
int page_xfer_send_frame(int fd, uint32_t *seq, uint16_t type, const void *payload, size_t len);
/* Reads exactly @len bytes; -EPIPE on a clean end of stream, -errno otherwise. */
int page_xfer_read_full(int fd, void *buf, size_t len);
/*
 * Reads and checks a header: magic, flags, type range, len <= @max, seq.
 * Returns 0, -EPIPE on end of stream before any byte, -EBADMSG (with
 * @why filled) on garbage, or -errno on a socket error.
 */
int page_xfer_recv_hdr(int fd, uint32_t *seq, uint32_t max, struct page_xfer_hdr *h, char *why,
		       size_t why_len);

/* ---- client ---- */

struct page_xfer;

/*
 * Connects to a page server at @addr:@port (numeric or a name), says HELLO
 * and checks the answer. Logs on error.
 */
int page_xfer_connect(const char *addr, int port, struct page_xfer **out);
/*
 * Starts an iteration that the server stores as DIR/@name, or in DIR itself
 * when @name is ""; @parent (NULL for none) becomes its "parent" link, e.g.
 * "../1".
 */
int page_xfer_begin(struct page_xfer *px, const char *name, const char *parent);
/* Opens pagemap-@id.img (or pagemap-shmem-@id.img) with pages-@pages_id.img. */
int page_xfer_open_image(struct page_xfer *px, enum img_kind kind, unsigned long id,
			 unsigned long pages_id);
/* One pagemap entry; contiguous entries are NOT merged here (the caller does). */
int page_xfer_entry(struct page_xfer *px, unsigned long vaddr, size_t nr, unsigned int flags);
/* Page data of PE_PRESENT entries, in entry order; may run on another thread. */
int page_xfer_pages(struct page_xfer *px, const void *buf, size_t len);
/* Whether page checksums go with the pages (the server takes them; @on: the caller wants them). */
bool page_xfer_csums(struct page_xfer *px, bool on);
int page_xfer_close_image(struct page_xfer *px);
/* Makes the iteration visible on the server; returns once the server confirms. */
int page_xfer_commit(struct page_xfer *px);
/* Says BYE (unless the connection failed) and frees. NULL is a no-op. */
void page_xfer_close(struct page_xfer *px);
/* Frees our copy without a word: a forked process goes on with the connection. */
void page_xfer_drop(struct page_xfer *px);
/* Opens pages file @name (relative to the server's -D): its *@handle and *@size. Logs. */
int page_xfer_get_open(struct page_xfer *px, const char *name, uint32_t *handle, uint64_t *size);
/* Reads @len bytes (<= PAGE_XFER_MAX_FRAME) at @off of file @handle into @buf. Logs. */
int page_xfer_get_read(struct page_xfer *px, uint32_t handle, uint64_t off, void *buf,
		       uint32_t len);
/*
 * The two halves of page_xfer_get_read, so that a reader can ask for the
 * next read before it takes the answer to the last one: the server answers
 * in order, and the two overlap. Each answer taken with the @off and @len
 * it was asked with. Log.
 */
int page_xfer_get_ask(struct page_xfer *px, uint32_t handle, uint64_t off, uint32_t len);
int page_xfer_get_take(struct page_xfer *px, uint64_t off, void *buf, uint32_t len);
struct opts;
/*
 * For dump and pre-dump with --page-server: connects to o->address:o->port
 * and begins an unnamed iteration (into the server's -D, as with criu) with
 * o->prev_images_dir as its parent link.
 */
int page_xfer_start(const struct opts *o, struct page_xfer **out);

#endif
