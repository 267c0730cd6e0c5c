/*
 * Page server: receives iterations of memory images (page-xfer.h protocol)
 * into an images directory. Each iteration is written into a staging
 * directory DIR/.pgsrv-PID-[NAME-]XXXXXX through the image layer; when the
 * client commits it, its files are moved into DIR (unnamed iteration, what
 * dump sends) or the staging dir is renamed to DIR/NAME. Anything
 * uncommitted is removed.
 */
#ifndef CRL_PAGE_SERVER_H
#define CRL_PAGE_SERVER_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "img.h"

/* Set by the command's SIGTERM/SIGINT handlers: stop serving, discard what is open. */
extern volatile sig_atomic_t page_server_stop;

/*
 * A listening TCP socket on @addr (NULL: every address) and @port (0: any;
 * the bound port is returned in *@bound). Returns the fd or -errno (logged).
 */
int page_server_listen(const char *addr, int port, int *bound);

/* Removes staging directories left in @base by page servers that are gone. */
void page_server_clean_stale(const struct img_dir *base);

/*
 * The two frame buffers a connection reads into (PAGE_XFER_MAX_FRAME each),
 * populated once and reused by every connection: first touch of fresh pages
 * is slow, and a stray connection should not cost 32 MiB of it.
 */
struct page_server_bufs {
	uint8_t *mem;
	bool csums; /* connections write and check page checksums (default, set by init) */
};

/* Maps and populates @b. 0 or -errno (logged). */
int page_server_bufs_init(struct page_server_bufs *b);
void page_server_bufs_fini(struct page_server_bufs *b);

/*
 * One client connection on @fd (closed on return) served with @bufs: 0 when
 * the client said BYE (or left after its last commit), -errno when it was
 * refused or lost. *@greeted (may be NULL) tells whether the client got past
 * HELLO.
 */
int page_server_conn(int fd, const struct img_dir *base, struct page_server_bufs *bufs,
		     bool *greeted);

/*
 * Accepts and serves connections one at a time until page_server_stop, or
 * with @once, until a client that got past HELLO is done (criu's page
 * server serves one dump; strays and garbage do not count). @csums: keep
 * and check page checksums (page-server-csum.h).
 */
int page_server_serve(int lfd, const struct img_dir *base, bool once, bool csums);

#endif
