/*
 * The copy-on-write snapshot's fault service and its store (dump-cow-int.h).
 *
 * One thread polls every armed task's userfaultfd. A write to a protected
 * page blocks its thread (user or kernel mode: the uffd is a full one) and
 * queues a message; the service copies the page, which still holds the
 * frozen data, into the store, and only then removes the protection, which
 * lets the write through. The bulk copy (dump_cow_read) reads pages in
 * place and takes the store's copy of any page saved meanwhile.
 *
 * A page is trusted in place only while the kernel still shows it present
 * or swapped, anonymous and write-protected (pagemap bit 57): the tree may
 * unmap, move (mremap clears the bit since 6.13) or discard (MADV_DONTNEED
 * drops anonymous PTEs whole) memory without writing it, and then its frozen
 * data is gone. That page is "lost" and the dump fails with -EAGAIN.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "dump-cow-int.h"
#include "log.h"
#include "pagemap.h"
#include "uffd.h"

#define COW_MSGS 32

static size_t hash_slot(const struct cow_hash *h, uint64_t key)
{
	uint64_t x = key * 0x9e3779b97f4a7c15ULL;

	return (size_t)(x >> 17) & (h->cap - 1);
}

static uint64_t *hash_find(const struct cow_hash *h, uint64_t key)
{
	if (!h->cap)
		return NULL;
	for (size_t i = hash_slot(h, key);; i = (i + 1) & (h->cap - 1)) {
		if (h->key[i] == key)
			return &h->val[i];
		if (!h->key[i])
			return NULL;
	}
}

static int hash_grow(struct cow_hash *h)
{
	struct cow_hash n = {.cap = h->cap ? h->cap * 2 : 1024};

	n.key = calloc(n.cap, sizeof(*n.key));
	n.val = calloc(n.cap, sizeof(*n.val));
	if (!n.key || !n.val) {
		free(n.key);
		free(n.val);
		return -ENOMEM;
	}
	for (size_t i = 0; i < h->cap; i++) {
		size_t j;

		if (!h->key[i])
			continue;
		for (j = hash_slot(&n, h->key[i]); n.key[j]; j = (j + 1) & (n.cap - 1))
			;
		n.key[j] = h->key[i];
		n.val[j] = h->val[i];
		n.n++;
	}
	cow_hash_fini(h);
	*h = n;
	return 0;
}

static int hash_put(struct cow_hash *h, uint64_t key, uint64_t val)
{
	size_t i;

	if ((h->n + 1) * 2 > h->cap && hash_grow(h))
		return -ENOMEM;
	for (i = hash_slot(h, key); h->key[i] && h->key[i] != key; i = (i + 1) & (h->cap - 1))
		;
	if (!h->key[i])
		h->n++;
	h->key[i] = key;
	h->val[i] = val;
	return 0;
}

void cow_hash_fini(struct cow_hash *h)
{
	free(h->key);
	free(h->val);
	memset(h, 0, sizeof(*h));
}

int64_t cow_page_index(const struct dump_cow_task *ct, unsigned long addr)
{
	size_t lo = 0, hi = ct->nr_runs;
	size_t ps = ct->cow->page_size;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct cow_run *r = &ct->runs[mid];

		if (addr < r->addr)
			hi = mid;
		else if (addr >= r->addr + r->nr * ps)
			lo = mid + 1;
		else
			return (int64_t)(r->idx + (addr - r->addr) / ps);
	}
	return -1;
}

static bool is_done(const struct dump_cow_task *ct, uint64_t idx)
{
	return ct->done[idx / 64] & (1ULL << (idx % 64));
}

void cow_set_done(struct dump_cow_task *ct, uint64_t idx)
{
	ct->done[idx / 64] |= 1ULL << (idx % 64);
}

int cow_store_put(struct dump_cow_task *ct, unsigned long addr, const void *buf)
{
	struct dump_cow *cow = ct->cow;
	size_t ps = cow->page_size;
	off_t off = (off_t)(cow->store_slots * ps);
	size_t done = 0;

	while (done < ps) {
		ssize_t n = pwrite(cow->store_fd, (const uint8_t *)buf + done, ps - done,
				   off + (off_t)done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		done += (size_t)n;
	}
	if (hash_put(&ct->saved, addr, cow->store_slots + 1))
		return -ENOMEM;
	cow->store_slots++;
	ct->nr_saved++;
	return 0;
}

static int store_get(const struct dump_cow_task *ct, uint64_t slot1, void *buf)
{
	size_t ps = ct->cow->page_size;
	ssize_t n = pread(ct->cow->store_fd, buf, ps, (off_t)((slot1 - 1) * ps));

	return n == (ssize_t)ps ? 0 : n < 0 ? -errno : -EIO;
}

/* Is the data at this page still the frozen one (see the top of the file)? */
static bool pme_frozen(uint64_t pme)
{
	return (pme & (PME_PRESENT | PME_SWAP)) && (pme & PME_UFFD_WP) && !(pme & PME_FILE);
}

static int read_full(int fd, void *buf, size_t len, unsigned long addr)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, (uint8_t *)buf + done, len - done, (off_t)(addr + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		done += (size_t)n;
	}
	return 0;
}

static void mark_lost(struct dump_cow_task *ct, unsigned long addr)
{
	if (!ct->lost) {
		ct->lost = -EAGAIN;
		ct->lost_addr = addr;
	}
}

/* Removes the protection of @addr's page, waking its writer. */
static int unprotect_page(struct dump_cow_task *ct, unsigned long addr)
{
	int ret = 0;

	for (int i = 0; i < 100; i++) {
		ret = uffd_writeprotect(ct->uffd, addr, ct->cow->page_size, 0);
		if (ret != -EAGAIN)
			break;
		usleep(100);
	}
	return ret;
}

/* A write fault at @addr of @ct: copy the page first, unless it is not planned or done. */
static void serve_fault(struct dump_cow *cow, struct dump_cow_task *ct, unsigned long addr)
{
	size_t ps = cow->page_size;
	int64_t idx;
	int ret;

	addr &= ~(unsigned long)(ps - 1);
	pthread_mutex_lock(&cow->mu);
	if (ct->phase == COW_PHASE_EARLY) {
		/* before the freeze: a write like any other; under mu, so never after it */
		unprotect_page(ct, addr);
		pthread_mutex_unlock(&cow->mu);
		return;
	}
	if (ct->phase == COW_PHASE_FROZEN) {
		/*
		 * The tree is stopped, so the page holds the freeze's data: saved
		 * for the plan to find (a stopped writer's stale fault, or a write
		 * by someone else, such as our own injection).
		 */
		if (!hash_find(&ct->saved, addr) &&
		    !read_full(ct->mem_fd, cow->fault_buf, ps, addr))
			cow_store_put(ct, addr, cow->fault_buf);
		unprotect_page(ct, addr);
		pthread_mutex_unlock(&cow->mu);
		return;
	}
	if (cow->hold_faults) { /* the writer waits for the bulk copy or the close */
		pthread_mutex_unlock(&cow->mu);
		return;
	}
	ct->nr_faults++;
	idx = cow_page_index(ct, addr);
	if (idx >= 0 && !is_done(ct, (uint64_t)idx) && !hash_find(&ct->saved, addr) &&
	    !cow->no_copy_on_fault) {
		uint64_t pme = 0;

		ret = read_full(ct->mem_fd, cow->fault_buf, ps, addr);
		if (!ret)
			ret = pagemap_read(ct->pm_fd, addr, 1, &pme);
		if (!ret && !pme_frozen(pme))
			ret = -EAGAIN;
		if (!ret)
			ret = cow_store_put(ct, addr, cow->fault_buf);
		if (ret == -EAGAIN || ret == -EIO || ret == -EFAULT)
			mark_lost(ct, addr);
		else if (ret && !ct->lost)
			ct->lost = ret;
		cow_set_done(ct, (uint64_t)idx);
	}
	pthread_mutex_unlock(&cow->mu);
	/* Wakes the writer; a range gone meanwhile (ENOENT) has no one to wake. */
	ret = unprotect_page(ct, addr);
	if (ret && ret != -ENOENT)
		pr_warn("dump: pid %d: cannot let a write at %lx through: %s", ct->pid, addr,
			strerror(-ret));
}

static void serve_uffd(struct dump_cow *cow, struct dump_cow_task *ct)
{
	struct uffd_msg msgs[COW_MSGS];
	int n;

	while ((n = uffd_read_msgs(ct->uffd, msgs, COW_MSGS)) > 0) {
		for (int i = 0; i < n; i++)
			if (msgs[i].event == UFFD_EVENT_PAGEFAULT &&
			    (msgs[i].arg.pagefault.flags & UFFD_PAGEFAULT_FLAG_WP))
				serve_fault(cow, ct, (unsigned long)msgs[i].arg.pagefault.address);
	}
}

/* What one round of the service polls: the wake-up fd, then one uffd per task. */
struct serve_set {
	struct pollfd *pf;
	struct dump_cow_task **t; /* t[i] for pf[i + 1] */
	size_t n;		  /* entries in pf */
};

/* The set for the next poll; false when stopping. */
static bool serve_fds(struct dump_cow *cow, struct serve_set *s)
{
	bool go;

	pthread_mutex_lock(&cow->mu);
	go = !cow->stop;
	if (go && s->n != cow->nr_tasks + 1) {
		struct pollfd *np = realloc(s->pf, (cow->nr_tasks + 1) * sizeof(*np));
		struct dump_cow_task **nt;

		if (np)
			s->pf = np;
		nt = np ? realloc(s->t, (cow->nr_tasks + 1) * sizeof(*nt)) : NULL;
		if (nt) {
			s->t = nt;
			s->n = cow->nr_tasks + 1;
		}
	}
	for (size_t i = 0; go && i < s->n; i++) {
		struct dump_cow_task *ct = i ? cow->tasks[i - 1] : NULL;

		s->pf[i] = (struct pollfd){.fd = !ct	      ? cow->evfd
						 : ct->served ? ct->uffd
							      : -1,
					   .events = POLLIN};
		if (i)
			s->t[i - 1] = ct;
	}
	pthread_mutex_unlock(&cow->mu);
	return go;
}

static void *serve_main(void *arg)
{
	struct dump_cow *cow = arg;
	struct serve_set s = {0};

	while (serve_fds(cow, &s)) {
		if (!s.n || poll(s.pf, s.n, -1) < 0)
			continue;
		if (s.pf[0].revents & POLLIN) {
			uint64_t v;

			if (read(cow->evfd, &v, sizeof(v)) < 0)
				v = 0;
		}
		for (size_t i = 1; i < s.n; i++)
			if (s.pf[i].revents & POLLIN)
				serve_uffd(cow, s.t[i - 1]);
	}
	free(s.pf);
	free(s.t);
	/* what is still queued is served before the uffds close */
	pthread_mutex_lock(&cow->mu);
	for (size_t i = 0; i < cow->nr_tasks; i++)
		if (cow->tasks[i]->served) {
			pthread_mutex_unlock(&cow->mu);
			serve_uffd(cow, cow->tasks[i]);
			pthread_mutex_lock(&cow->mu);
		}
	pthread_mutex_unlock(&cow->mu);
	return NULL;
}

static void serve_wake(struct dump_cow *cow)
{
	uint64_t one = 1;

	if (write(cow->evfd, &one, sizeof(one)) < 0)
		pr_debug("dump: cow: wake-up: %s", strerror(errno));
}

int cow_serve_start(struct dump_cow *cow)
{
	sigset_t all, old;
	int ret;

	cow->evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (cow->evfd < 0)
		return -errno;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	ret = pthread_create(&cow->th, NULL, serve_main, cow);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret)
		return -ret;
	cow->running = true;
	return 0;
}

int cow_serve_add(struct dump_cow *cow, struct dump_cow_task *ct)
{
	struct dump_cow_task **nt;

	pthread_mutex_lock(&cow->mu);
	nt = realloc(cow->tasks, (cow->nr_tasks + 1) * sizeof(*nt));
	if (nt) {
		cow->tasks = nt;
		cow->tasks[cow->nr_tasks++] = ct;
	}
	pthread_mutex_unlock(&cow->mu);
	return nt ? 0 : -ENOMEM;
}

void cow_serve_enable(struct dump_cow *cow, struct dump_cow_task *ct, enum cow_phase phase)
{
	pthread_mutex_lock(&cow->mu);
	ct->served = true;
	ct->phase = phase;
	pthread_mutex_unlock(&cow->mu);
	serve_wake(cow);
}

void cow_set_phase(struct dump_cow *cow, struct dump_cow_task *ct, enum cow_phase phase)
{
	pthread_mutex_lock(&cow->mu);
	ct->phase = phase;
	if (ct->stale)
		ct->served = false;
	pthread_mutex_unlock(&cow->mu);
	serve_wake(cow);
}

void cow_serve_stop(struct dump_cow *cow)
{
	if (!cow->running)
		return;
	pthread_mutex_lock(&cow->mu);
	cow->stop = true;
	pthread_mutex_unlock(&cow->mu);
	serve_wake(cow);
	pthread_join(cow->th, NULL);
	cow->running = false;
}

/* One page of a batch after its read: the store's copy, or the check. Under mu. */
static void read_fix_page(struct dump_cow_task *ct, unsigned long addr, uint8_t *dst, uint64_t pme,
			  int rd)
{
	uint64_t *slot = hash_find(&ct->saved, addr);
	int64_t idx = cow_page_index(ct, addr);

	if (slot) {
		if (store_get(ct, *slot, dst) && !ct->lost)
			ct->lost = -EIO;
	} else if (rd || (!pme_frozen(pme) && !ct->cow->no_copy_on_fault)) {
		mark_lost(ct, addr);
	}
	if (idx >= 0)
		cow_set_done(ct, (uint64_t)idx);
}

/* One remote range: read in place, checked, the saved pages taken from the store. */
static int read_range(struct dump_cow_task *ct, unsigned long addr, size_t len, uint8_t *dst,
		      uint64_t *pme)
{
	struct dump_cow *cow = ct->cow;
	size_t ps = cow->page_size, nr = len / ps;
	int rd = read_full(ct->mem_fd, dst, len, addr), ret;

	/* a range partly gone: page by page, so that saved pages still count */
	for (size_t k = 0; rd && k < nr; k++)
		read_full(ct->mem_fd, dst + k * ps, ps, addr + k * ps);
	ret = pagemap_read(ct->pm_fd, addr, nr, pme);
	if (ret)
		memset(pme, 0, nr * sizeof(*pme));
	pthread_mutex_lock(&cow->mu);
	for (size_t k = 0; k < nr; k++)
		read_fix_page(ct, addr + k * ps, dst + k * ps, pme[k], rd);
	ret = ct->lost;
	pthread_mutex_unlock(&cow->mu);
	if (!ret)
		uffd_writeprotect(ct->uffd, addr, len, 0); /* copied: writes go through */
	return ret;
}

#define COW_PME_CHUNK 4096

int dump_cow_read(struct dump_cow_task *ct, const struct iovec *iov, size_t n, uint8_t *dst)
{
	size_t ps = ct->cow->page_size;
	uint64_t *pme = malloc(COW_PME_CHUNK * sizeof(*pme));
	int ret = pme ? 0 : -ENOMEM;

	for (size_t i = 0; i < n && !ret; i++) {
		unsigned long addr = (unsigned long)iov[i].iov_base;
		size_t len = iov[i].iov_len;

		while (len && !ret) {
			size_t take = len < COW_PME_CHUNK * ps ? len : COW_PME_CHUNK * ps;

			ret = read_range(ct, addr, take, dst, pme);
			addr += take;
			dst += take;
			len -= take;
		}
	}
	free(pme);
	if (ret == -EAGAIN)
		pr_warn("dump: pid %d unmapped, moved or discarded memory at %lx after the freeze, "
			"before it was copied: the images would not hold the state at the freeze; "
			"dumping again with the pages copied while the tree is frozen",
			ct->pid, ct->lost_addr);
	else if (ret)
		pr_err("dump: copy-on-write copy of pid %d: %s", ct->pid, strerror(-ret));
	return ret;
}
