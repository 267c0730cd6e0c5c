/*
 * restore --lazy-pages: the tree runs before its private anonymous memory is
 * in. Each process gets a userfaultfd (created inside it by injection, taken
 * by the tool, closed there) with its lazy VMAs registered in missing mode; a
 * detached server serves every fault from the images and pushes the rest in
 * the background, and a guard kills the tree should the server die before
 * every page is in. See docs/restore-design.md, "Lazy restore".
 *
 * restore-lazy.c: the tool's side (start, per-process registration, hand-over).
 * restore-lazy-serve.c: the server. restore-lazy-guard.c: the guard and the
 * kill both use. restore-lazy-keep.c: the uffd and alarm pipe each process
 * keeps itself while served. restore-lazy-pend.c: the pages still to copy, per address
 * space.
 */
#ifndef CRL_RESTORE_LAZY_H
#define CRL_RESTORE_LAZY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "restore.h"

/* Messages on the tool -> server and server -> guard sockets (SOCK_SEQPACKET). */
enum lz_msg_type {
	LZ_TASK = 1, /* tool -> server: a process's uffd (SCM_RIGHTS), .nr ranges follow */
	LZ_RANGES,   /* tool -> server: up to LZ_RANGES_MAX lazy ranges of the last LZ_TASK */
	LZ_GO,	     /* tool -> server: every process sent; answer LZ_READY once guarded */
	LZ_READY,    /* server -> tool, guard -> server */
	LZ_HOLD,     /* server -> guard: a uffd and maybe a pidfd to hold (SCM_RIGHTS) */
	LZ_SYNC,     /* server -> guard: answer LZ_READY once every LZ_HOLD before is held */
	LZ_DONE,     /* server -> guard: every page is in, let go */
	LZ_KEEP,     /* tool -> server: the alarm's read end (SCM_RIGHTS), a struct lz_keep_nos */
};

struct lz_msg {
	uint32_t type;
	int32_t pid;
	uint32_t nr;
	uint32_t pad;
};

struct lz_range {
	uint64_t start, end;
};

#define LZ_RANGES_MAX 4096

/*
 * restore-lazy-keep.c: what a restored process holds itself while it is
 * served (its own uffd, the alarm pipe's read end), so that no death of the
 * helpers lets it read zeros.
 */
struct lz_keep {
	int uffd_no;  /* its copy of its uffd: the number in its fd table */
	int alarm_no; /* its read end of the alarm pipe: the number there */
	int alarm_r;  /* our copy of that read end (the same description, armed) */
	int alarm_w;  /* the write end, which only the helpers hold once handed over */
};

/* The numbers of LZ_KEEP's data. */
struct lz_keep_nos {
	int32_t uffd_no, alarm_no;
};

void lz_keep_init(struct lz_keep *k);
/*
 * In @t (seized, injecting): a uffd made and kept there, taken into *@uffd;
 * the alarm pipe made, its read end kept there and armed (O_ASYNC, SIGKILL to
 * @t), both ends taken into @k. Logs. 0 or -errno.
 */
int lz_keep_make(struct rst_task *t, struct inject *in, int *uffd, struct lz_keep *k);
/* Our copies of the alarm's ends closed. */
void lz_keep_close(struct lz_keep *k);
/*
 * Every page of @pid is in: the alarm disarmed, its ranges unregistered from
 * @uffd, the kept fds closed in the process (injected, after a kcmp check),
 * our copies closed. Logs a warning when the process keeps them.
 */
void lz_keep_release(pid_t pid, int uffd, struct lz_keep *k);

/* Sends @m with up to two fds (-1: none) and @len bytes of @data after it. 0 or -errno. */
int lz_send(int sk, const struct lz_msg *m, int fd1, int fd2, const void *data, size_t len);
/*
 * Receives one message into @m, its data into @data (up to @max bytes, the
 * length in *@len when not NULL) and up to two fds into @fds (-1 when none).
 * 1, 0 at EOF, or -errno.
 */
int lz_recv(int sk, struct lz_msg *m, void *data, size_t max, size_t *len, int fds[2]);

/* The pages of one address space still to copy, in address order (grown by ARRAY_GROW). */
#define lz_pend rst_segs
/* [@start, @end) is no longer to copy (copied, or removed by the process). */
int lz_pend_drop(struct lz_pend *p, unsigned long start, unsigned long end);
/* The pending pages of [@from, @from+@len) now live at @to (mremap). */
int lz_pend_move(struct lz_pend *p, unsigned long from, unsigned long to, unsigned long len);
/* A copy of @from (a forked child's pending pages). */
int lz_pend_copy(struct lz_pend *to, const struct lz_pend *from);
void lz_pend_free(struct lz_pend *p);

/*
 * The server (forked by the guard @guard before the tree exists; @c is its
 * copy of what the tool read), @tool_sk to the tool, @guard_sk to the guard.
 * Never returns.
 */
void lz_serve(struct rst_ctx *c, int tool_sk, int guard_sk, pid_t guard) __attribute__((noreturn));
/* The guard, the server's parent: holds what @sk sends, kills on @server's death. */
void lz_guard(int sk, pid_t server) __attribute__((noreturn));
/*
 * SIGKILLs the processes of @pidfds (@pids: their pids) and every
 * descendant of them, and returns once all are dead.
 */
void lz_kill_tree(const int *pidfds, const pid_t *pids, size_t n);

/* Can @v's kind of memory be served lazily (private anonymous, not locked...)? */
bool rst_lazy_kind(const VmaEntry *v);

/*
 * restore-lazy-remote.c: pages files on a page server (--page-server), local
 * memfd stand-ins of their size. Log.
 */
#define RST_REMOTE_CHUNK (4ul << 20)
/* Before the images are read: c->remote connected to o->address:o->port. */
int rst_remote_connect(struct rst_ctx *c);
/* Pages file @id of images dir @d (c->dir or a parent): a stand-in fd, the remote size. */
int rst_remote_open(struct rst_ctx *c, const struct img_dir *d, uint32_t id, int *fd,
		    uint64_t *size);
/* Whether @fd is a stand-in (its remote file in *@handle). */
bool rst_remote_handle(const struct rst_ctx *c, int fd, uint32_t *handle);
/* Reads [@off, @off+@len) (<= RST_REMOTE_CHUNK) of stand-in @fd from the server. */
int rst_remote_read(struct rst_ctx *c, int fd, uint64_t off, void *buf, size_t len);
/*
 * The two halves of rst_remote_read: a read asked for ahead, its answer taken
 * later (the server answers in order; nothing else may be read between).
 */
int rst_remote_ask(struct rst_ctx *c, int fd, uint64_t off, size_t len);
int rst_remote_take(struct rst_ctx *c, uint64_t off, void *buf, size_t len);
void *rst_remote_buf(const struct rst_ctx *c);
/* The tool's copy of the connection goes (the lazy-pages server holds it). */
void rst_remote_let_go(struct rst_ctx *c);
/* BYE when still connected, and everything freed. NULL remote: no-op. */
void rst_remote_free(struct rst_ctx *c);
/* restore-lazy-fetch.c: what the restore writes itself, into the stand-ins. */
int rst_remote_prefetch(struct rst_ctx *c);

/* Tool side (restore-lazy.c). Log. */
/* Before anything of the tree exists: forks the detached server and guard. */
int rst_lazy_start(struct rst_ctx *c);
/* Is VMA @i of @t served lazily? */
bool rst_lazy_vma(const struct rst_ctx *c, const struct rst_task *t, size_t i);
/* @pages without the runs in @t's lazy VMAs, into @eager (may alias @pages: then untouched). */
int rst_lazy_eager(const struct rst_ctx *c, const struct rst_task *t, const struct rst_segs *pages,
		   struct rst_segs *eager);
/* After @t's eager pages are in: its uffd made, its lazy VMAs registered, the server told. */
int rst_lazy_register(struct rst_ctx *c, struct rst_task *t, struct inject *in);
/* Every process rebuilt: the server confirms its guard holds every uffd. */
int rst_lazy_go(struct rst_ctx *c);
/* The tree runs (or was killed): the tool lets go of its uffds and the server's socket. */
void rst_lazy_end(struct rst_ctx *c);

#endif
