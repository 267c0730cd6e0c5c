/*
 * Internal to dump-cow.c (arming, planning, the copy after the thaw) and
 * dump-cow-serve.c (the fault service, the store of saved pages, reading a
 * batch as it was at the freeze).
 *
 * A planned page is in one of three states, changed only under cow->mu:
 * protected and not copied (its memory still holds the frozen data, as any
 * write to it blocks on our userfaultfd), saved (its frozen data is in the
 * store: the fault service copied it before letting a write through, or it
 * was copied while frozen), or done by the bulk copy (read, checked still
 * protected, then unprotected).
 */
#ifndef CRL_DUMP_COW_INT_H
#define CRL_DUMP_COW_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "dump-cow.h"

/*
 * What a write fault means: EARLY, before the freeze (the page is only
 * unprotected: its data is not the snapshot's yet); FROZEN, the tree stopped
 * and the plan not done (the page, which holds the freeze's data, is saved
 * and unprotected); COPY, after the plan (a planned page is copied first).
 */
enum cow_phase {
	COW_PHASE_FROZEN,
	COW_PHASE_EARLY,
	COW_PHASE_COPY,
};

/* Pages planned: one run of a pagemap entry, in address order. */
struct cow_run {
	unsigned long addr;
	size_t nr;
	uint64_t idx; /* index of its first page among the task's planned pages */
	bool flush;   /* the pagemap entry ends here (end of a VMA) */
};

/* Open addressing, page address -> store slot + 1; key 0 is empty. */
struct cow_hash {
	uint64_t *key, *val;
	size_t cap, n;
};

struct dump_cow_task {
	struct dump_cow *cow;
	pid_t pid;
	int uffd;	      /* our copy of the one made in the target; -1 */
	int mem_fd;	      /* /proc/PID/mem, opened frozen: bound to that mm */
	int pm_fd;	      /* /proc/PID/pagemap, likewise */
	bool cur_frozen;      /* the VMA being planned is copied frozen */
	bool served;	      /* its uffd is polled (under mu) */
	enum cow_phase phase; /* under mu */
	bool early;	      /* armed before the freeze (dump-cow-early.c) */
	bool stale;	      /* armed early on an mm the process left (execve): unused */
	unsigned long early_lo, early_hi; /* where pages were protected early */
	struct cow_run *runs;
	size_t nr_runs, runs_cap;
	uint64_t nr_pages;
	uint64_t *done; /* bit per planned page: saved or copied */
	size_t done_words;
	struct cow_hash saved;
	int lost;		 /* -EAGAIN once a page's frozen data is gone */
	unsigned long lost_addr; /* the first such page */
	uint64_t nr_faults, nr_saved;
};

struct dump_cow {
	pthread_mutex_t mu;
	size_t page_size;
	int store_fd; /* saved pages, slot by slot (unlinked file in the images dir) */
	uint64_t store_slots;
	struct dump_cow_task **tasks;
	size_t nr_tasks;
	pthread_t th;
	bool running;
	int evfd;  /* wakes the service: a task added, or stop */
	bool stop; /* under mu */
	/* test switch: faults are let through uncopied, pages trusted in place unchecked */
	bool no_copy_on_fault;
	/* test switch: faults after the thaw wait for the bulk copy or the close (kill tests) */
	bool hold_faults;
	uint8_t *fault_buf; /* one page, the service's */
	uint8_t *buf;	    /* the dump's page buffer, for copies while frozen */
	size_t buf_len;
};

/* Starts the fault service thread (blocks every signal in it). 0 or -errno. */
int cow_serve_start(struct dump_cow *cow);
/* Adds @ct to the tasks (its uffd polled once @ct->served). 0 or -errno. */
int cow_serve_add(struct dump_cow *cow, struct dump_cow_task *ct);
/* @ct's faults are served from now on, in @phase. */
void cow_serve_enable(struct dump_cow *cow, struct dump_cow_task *ct, enum cow_phase phase);
/* Sets @ct's phase (under mu: a fault served before is served in the old one). */
void cow_set_phase(struct dump_cow *cow, struct dump_cow_task *ct, enum cow_phase phase);

/* dump-cow.c: a userfaultfd made in stopped @pid, taken, closed there. Ours or -errno. */
int cow_take_uffd(pid_t pid);
/* The state of @pid with our @uffd (checked for write-protect), added to the service. Logs. */
struct dump_cow_task *cow_task_new(struct dump_cow *cow, pid_t pid, int uffd, int *err);
/* Stops and joins the service; pending faults are served first. */
void cow_serve_stop(struct dump_cow *cow);

/* Index of planned page @addr of @ct, or -1 (not planned). Under mu or frozen. */
int64_t cow_page_index(const struct dump_cow_task *ct, unsigned long addr);
/* The page's frozen data @buf into the store, recorded for @addr. Under mu. 0 or -errno. */
int cow_store_put(struct dump_cow_task *ct, unsigned long addr, const void *buf);
void cow_hash_fini(struct cow_hash *h);
/* Marks page @idx of @ct done. Under mu. */
void cow_set_done(struct dump_cow_task *ct, uint64_t idx);

#endif
