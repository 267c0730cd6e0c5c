/*
 * The copy-on-write snapshot of `dump -R` (docs/dump-cow.md): while the tree
 * is frozen only its state and the list of pages to dump (the plan) are
 * taken, and those pages are write-protected with a userfaultfd in
 * synchronous mode; the pages are copied after the tree runs again, and a
 * page the tree is about to write is copied first, by a fault-serving
 * thread, before the write lands.
 *
 * Internal to the dump: dump.c (setup, copy after the thaw, free),
 * dump-pages.c (planning while frozen), dump-pages-out.c (reading a batch).
 */
#ifndef CRL_DUMP_COW_H
#define CRL_DUMP_COW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "dump.h"

struct dump_cow;
struct dump_cow_task;

/*
 * Whether this dump copies after the thaw (dump -R, local images, no write
 * tracking, a kernel that can): ctx->cow set, or NULL with the reason logged
 * at -v4. 0 or -errno (no memory).
 */
int dump_cow_setup(struct dump_ctx *ctx);
/*
 * dump-cow-early.c: before the freeze, each process of the tree gets its
 * userfaultfd and its pages' protection while it runs, so that the freeze
 * only protects what was written since. Best effort: a process it misses is
 * armed at the freeze.
 */
void dump_cow_arm_early(struct dump_ctx *ctx);
/*
 * Frozen, before the pages of @t (armed early, or now): a userfaultfd made inside @t, taken and
 * closed there at once. NULL when @t's pages are copied frozen as before
 * (the reason logged); *@err: -errno of a real failure, else 0.
 */
struct dump_cow_task *dump_cow_arm(struct dump_ctx *ctx, struct dump_task *t, int *err);
/* The pages of @ct are planned: its write faults are served from now on. */
void dump_cow_planned(struct dump_cow_task *ct);
/* The VMA @v of the task whose runs come next: registered, or copied frozen. */
void dump_cow_vma(struct dump_cow_task *ct, const struct proc_vma *v);
/*
 * Plans @nr pages at @addr (frozen): protected, copied after the thaw; in a
 * VMA that could not be registered, copied now. @flush: the entry ends
 * here (end of a VMA). 0 or -errno (logged).
 */
int dump_cow_plan(struct dump_cow_task *ct, unsigned long addr, size_t nr, bool flush);
/*
 * After the thaw: every armed task's pagemap and pages images, then the
 * userfaultfds closed. 0, -EAGAIN (the tree unmapped or discarded memory
 * before it was copied: warned; dump_run dumps again, copying frozen), or
 * -errno.
 */
int dump_cow_copy(struct dump_ctx *ctx);
/*
 * The data of the remote ranges @iov (@n of them, planned pages of @ct) into
 * @dst as they were at the freeze. 0, -EAGAIN (logged), -errno.
 */
int dump_cow_read(struct dump_cow_task *ct, const struct iovec *iov, size_t n, uint8_t *dst);
/* Stops the fault service and closes every userfaultfd (wakes any blocked thread). */
void dump_cow_free(struct dump_ctx *ctx);

#endif
