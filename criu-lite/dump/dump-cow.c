/*
 * The copy-on-write snapshot of `dump -R` (docs/dump-cow.md): which dumps
 * use it, arming a process while it is frozen (a userfaultfd made inside it
 * by injected syscalls, taken with pidfd_getfd and closed there at once, so
 * that the tool holds the only reference), planning its pages (registered
 * and write-protected, or copied frozen where the kernel refuses), and the
 * copy after the thaw through the usual pagemap and pages images.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "dump-cow-int.h"
#include "dump-pages.h"
#include "inject.h"
#include "log.h"
#include "pagemap-scan.h"
#include "pagemap.h"
#include "proc-task.h"
#include "uffd.h"

/*
 * 6.13 clears the uffd-wp bit of PTEs that mremap moves out of a range
 * registered without UFFD_FEATURE_EVENT_REMAP; before, a moved protected
 * page would look like the frozen one at its new address.
 */
static bool kernel_clears_moved_wp(void)
{
	struct utsname u;
	int maj = 0, min = 0;

	if (uname(&u) || sscanf(u.release, "%d.%d", &maj, &min) != 2)
		return false;
	return maj > 6 || (maj == 6 && min >= 13);
}

/* Why this dump copies frozen (NULL: it may copy after the thaw). */
static const char *cow_refusal(const struct dump_ctx *ctx)
{
	const char *env = getenv("CRL_DUMP_COW");

	if (!ctx->o->leave_running || ctx->pre_dump || ctx->o->leave_stopped)
		return "not a dump --leave-running";
	if (ctx->no_cow)
		return "the first try lost pages the tree unmapped or discarded";
	if (env && !strcmp(env, "0"))
		return "CRL_DUMP_COW=0";
	if (ctx->px)
		return "pages go to a page server";
	if (ctx->hooks.filter.changed || ctx->hooks.written)
		return "a write tracker runs (--track-mem or --prev-images-dir): its userfaultfd "
		       "holds the VMAs, and one VMA takes one userfaultfd";
	if (!kernel_clears_moved_wp())
		return "kernel older than 6.13 (mremap keeps the uffd-wp bit of moved pages)";
	return NULL;
}

/* An unlinked file in the images dir for the saved pages (memory if it refuses). */
static int store_open(const struct dump_ctx *ctx)
{
	int fd = openat(ctx->dir.fd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

	if (fd < 0)
		fd = memfd_create("criu-lite-cow", MFD_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int dump_cow_setup(struct dump_ctx *ctx)
{
	const char *why = cow_refusal(ctx);
	struct dump_cow *cow;
	int ret;

	if (why) {
		if (ctx->o->leave_running)
			pr_debug("dump: the pages are copied while the tree is frozen: %s", why);
		return 0;
	}
	cow = calloc(1, sizeof(*cow));
	if (!cow)
		return -ENOMEM;
	pthread_mutex_init(&cow->mu, NULL);
	cow->page_size = (size_t)sysconf(_SC_PAGESIZE);
	cow->evfd = -1;
	cow->buf = ctx->pagebuf;
	cow->buf_len = ctx->pagebuf_len;
	cow->no_copy_on_fault = getenv("CRL_DUMP_COW_NO_FAULT_COPY") != NULL;
	cow->hold_faults = getenv("CRL_DUMP_COW_HOLD_FAULTS") != NULL;
	cow->fault_buf = malloc(cow->page_size);
	cow->store_fd = store_open(ctx);
	ctx->cow = cow;
	ret = cow->fault_buf ? cow->store_fd < 0 ? cow->store_fd : 0 : -ENOMEM;
	if (!ret)
		ret = cow_serve_start(cow);
	if (ret) {
		pr_err("dump: copy-on-write setup: %s", strerror(-ret));
		return ret;
	}
	pr_debug("dump: the pages are copied after the thaw, copy-on-write");
	return 0;
}

/*
 * In the stopped @pid: userfaultfd(), marked as the tracker fd is (O_APPEND,
 * tracker-fd.c) so that a later dump removes it if we die before the close,
 * taken, closed. Our copy or -errno.
 */
/* The number the target's next new fd gets: its lowest free one. */
static int lowest_free_fd(pid_t pid)
{
	int *fds = NULL, want = 0, ret;
	size_t n = 0;

	ret = proc_list_fds(pid, &fds, &n);
	if (ret)
		return ret;
	for (size_t i = 0; i < n && fds[i] <= want; i++) /* ascending */
		if (fds[i] == want)
			want++;
	free(fds);
	return want;
}

int cow_take_uffd(pid_t pid)
{
	struct inject in;
	long fd, r;
	int ours = -1, ret;

	/* journaled first: a keeper closes what a killed worker would leave there */
	ret = lowest_free_fd(pid);
	if (ret < 0)
		return ret;
	dump_guard_note_uffd(pid, ret);
	ret = inject_begin(&in, pid);
	if (ret) {
		dump_guard_note_uffd(pid, -1);
		return ret;
	}
	fd = inject_call(&in, SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK, 0, 0, 0, 0, 0);
	if (fd >= 0) {
		dump_guard_note_uffd(pid, (int)fd);
		inject_call(&in, SYS_fcntl, fd, F_SETFL, O_NONBLOCK | O_APPEND, 0, 0, 0);
		ours = uffd_steal_fd(pid, (int)fd);
		r = inject_call(&in, SYS_close, fd, 0, 0, 0, 0, 0);
		if (r < 0 && ours >= 0) {
			close(ours);
			ours = (int)r;
		}
		if (r >= 0)
			dump_guard_note_uffd(pid, -1);
	} else {
		dump_guard_note_uffd(pid, -1);
	}
	ret = inject_end(&in);
	if (fd < 0)
		return (int)fd;
	if (ret && ours >= 0)
		close(ours);
	return ret ? ret : ours;
}

static void cow_task_free(struct dump_cow_task *ct)
{
	if (ct->uffd >= 0)
		close(ct->uffd);
	if (ct->mem_fd >= 0)
		close(ct->mem_fd);
	if (ct->pm_fd >= 0)
		close(ct->pm_fd);
	free(ct->runs);
	free(ct->done);
	cow_hash_fini(&ct->saved);
	free(ct);
}

struct dump_cow_task *cow_task_new(struct dump_cow *cow, pid_t pid, int uffd, int *err)
{
	struct dump_cow_task *ct = calloc(1, sizeof(*ct));
	uint64_t got = 0;
	char path[64];

	*err = 0;
	if (uffd_api(uffd, 0, &got) || !(got & UFFD_FEATURE_PAGEFAULT_FLAG_WP)) {
		pr_info("dump: pid %d: userfaultfd without write-protect: copied frozen", pid);
		free(ct);
		close(uffd);
		return NULL;
	}
	if (!ct) {
		close(uffd);
		*err = -ENOMEM;
		return NULL;
	}
	ct->cow = cow;
	ct->pid = pid;
	ct->uffd = uffd;
	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	ct->mem_fd = open(path, O_RDONLY | O_CLOEXEC);
	ct->pm_fd = pagemap_open(pid);
	*err = ct->mem_fd < 0 ? -errno : ct->pm_fd < 0 ? ct->pm_fd : 0;
	if (!*err)
		*err = cow_serve_add(cow, ct);
	if (*err) {
		pr_err("dump: copy-on-write of pid %d: %s", pid, strerror(-*err));
		cow_task_free(ct);
		return NULL;
	}
	return ct;
}

/*
 * Is the mm @ct was armed on before the freeze still @pid's? Some page
 * then protected still shows the uffd-wp bit in the pagemap of the process
 * now (the walk stops at the first); after an execve no page of the new mm
 * has it. (Every page written since: the early arm is given up, which costs
 * only time.)
 */
static bool early_same_mm(const struct dump_cow_task *ct, pid_t pid)
{
	struct page_region r;
	struct pm_scan_arg a = {
		.size = sizeof(a),
		.start = ct->early_lo,
		.end = ct->early_hi,
		.vec = (uintptr_t)&r,
		.vec_len = 1,
		.max_pages = 1,
		.category_inverted = PAGE_IS_WRITTEN,
		.category_mask = PAGE_IS_WRITTEN,
		.category_anyof_mask = PAGE_IS_PRESENT | PAGE_IS_SWAPPED,
		.return_mask = PAGE_IS_WRITTEN,
	};
	int fd = pagemap_open(pid);
	bool same;

	if (fd < 0 || !ct->early_hi)
		return false;
	same = pagemap_scan(fd, &a) > 0;
	close(fd);
	return same;
}

/* The task armed before the freeze for @t, now frozen, or NULL. */
static struct dump_cow_task *early_task(struct dump_cow *cow, const struct dump_task *t)
{
	for (size_t i = 0; i < cow->nr_tasks; i++) {
		struct dump_cow_task *ct = cow->tasks[i];

		if (!ct->early || ct->stale || ct->pid != t->pid)
			continue;
		cow_set_phase(cow, ct, COW_PHASE_FROZEN);
		if (early_same_mm(ct, t->pid))
			return ct;
		pr_debug("dump: %d changed its memory (execve?) since it was armed: armed again",
			 t->pid);
		ct->stale = true;
		cow_set_phase(cow, ct, COW_PHASE_FROZEN);
		close(ct->uffd); /* unregisters: the old mm's pages go free */
		ct->uffd = -1;
		return NULL;
	}
	return NULL;
}

struct dump_cow_task *dump_cow_arm(struct dump_ctx *ctx, struct dump_task *t, int *err)
{
	struct dump_cow_task *ct;
	int uffd;

	*err = 0;
	if (!ctx->cow)
		return NULL;
	if (!t->own_vm) {
		pr_debug("dump: %d shares its memory with another process: copied frozen", t->pid);
		return NULL;
	}
	ct = early_task(ctx->cow, t);
	if (ct)
		return ct;
	uffd = cow_take_uffd(t->pid);
	if (uffd < 0) {
		/* no UFFD_USER_MODE_ONLY: a kernel write (read() into it) must block, not fail */
		pr_info("dump: pid %d cannot make a userfaultfd (%s%s): its pages are copied while "
			"it is frozen",
			t->pid, strerror(-uffd),
			uffd == -EPERM
				? "; one that serves kernel-mode faults needs CAP_SYS_PTRACE "
				  "or vm.unprivileged_userfaultfd=1"
				: "");
		return NULL;
	}
	return cow_task_new(ctx->cow, t->pid, uffd, err);
}

void dump_cow_vma(struct dump_cow_task *ct, const struct proc_vma *v)
{
	int r;

	/*
	 * Private anonymous memory only: the kernel registers no other private
	 * memory in sync mode but hugetlb (MAP_HUGETLB is a file mapping here),
	 * which is protected and woken only in whole huge pages: copied frozen.
	 */
	if (v->kind != PROC_VMA_ANON && v->kind != PROC_VMA_HEAP && v->kind != PROC_VMA_STACK) {
		ct->cur_frozen = true;
		return;
	}
	r = uffd_register_wp(ct->uffd, v->start, v->end - v->start);
	ct->cur_frozen = r != 0;
	if (r)
		pr_debug("dump: %d: %lx-%lx copied frozen: userfaultfd registration: %s%s", ct->pid,
			 v->start, v->end, strerror(-r),
			 r == -EBUSY ? " (registered with another userfaultfd: a write tracker "
				       "left in the tree)"
				     : "");
}

static int grow_runs(struct dump_cow_task *ct, size_t nr)
{
	size_t words = (size_t)((ct->nr_pages + nr + 63) / 64);

	if (ct->nr_runs == ct->runs_cap) {
		size_t cap = ct->runs_cap ? ct->runs_cap * 2 : 64;
		struct cow_run *r = realloc(ct->runs, cap * sizeof(*r));

		if (!r)
			return -ENOMEM;
		ct->runs = r;
		ct->runs_cap = cap;
	}
	if (words > ct->done_words) {
		size_t cap = words * 2;
		uint64_t *d = realloc(ct->done, cap * sizeof(*d));

		if (!d)
			return -ENOMEM;
		memset(d + ct->done_words, 0, (cap - ct->done_words) * sizeof(*d));
		ct->done = d;
		ct->done_words = cap;
	}
	return 0;
}

/* A run that cannot be protected: its data into the store now, while frozen. */
static int plan_frozen(struct dump_cow_task *ct, const struct cow_run *r)
{
	struct dump_cow *cow = ct->cow;
	size_t ps = cow->page_size, chunk = cow->buf_len / ps;

	for (size_t i = 0; i < r->nr; i += chunk) {
		size_t n = r->nr - i < chunk ? r->nr - i : chunk;
		unsigned long addr = r->addr + i * ps;
		ssize_t got = pread(ct->mem_fd, cow->buf, n * ps, (off_t)addr);
		int ret = 0;

		if (got != (ssize_t)(n * ps)) {
			ret = got < 0 ? -errno : -EIO;
			pr_err("dump: memory of pid %d at %lx: %s", ct->pid, addr, strerror(-ret));
			return ret;
		}
		pthread_mutex_lock(&cow->mu); /* the service may save pages meanwhile */
		for (size_t k = 0; k < n && !ret; k++) {
			ret = cow_store_put(ct, addr + k * ps, cow->buf + k * ps);
			cow_set_done(ct, r->idx + i + k);
		}
		pthread_mutex_unlock(&cow->mu);
		if (ret) {
			pr_err("dump: saving pages of pid %d: %s", ct->pid, strerror(-ret));
			return ret;
		}
	}
	return 0;
}

static int protect_region(const struct page_region *r, void *arg)
{
	struct dump_cow_task *ct = arg;

	return uffd_writeprotect(ct->uffd, r->start, r->end - r->start, 1);
}

/*
 * Armed early, most pages are protected already: only those present or
 * swapped without the uffd-wp bit (PAGE_IS_WRITTEN: written since, or new)
 * are, so the freeze reads the page tables instead of writing all of them.
 */
static int protect_unprotected(struct dump_cow_task *ct, unsigned long start, unsigned long end)
{
	const struct pagemap_scan_query q = {
		.mask = PAGE_IS_WRITTEN,
		.anyof = PAGE_IS_PRESENT | PAGE_IS_SWAPPED,
		.ret = PAGE_IS_WRITTEN,
	};
	int ret = pagemap_scan_walk(ct->pm_fd, start, end, &q, protect_region, ct);

	return ret < 0 ? ret : 0;
}

int dump_cow_plan(struct dump_cow_task *ct, unsigned long addr, size_t nr, bool flush)
{
	size_t ps = ct->cow->page_size;
	struct cow_run *r;
	int ret;

	if (!nr) {
		if (flush && ct->nr_runs)
			ct->runs[ct->nr_runs - 1].flush = true;
		return 0;
	}
	ret = grow_runs(ct, nr);
	if (ret)
		return ret;
	r = &ct->runs[ct->nr_runs++];
	*r = (struct cow_run){.addr = addr, .nr = nr, .idx = ct->nr_pages, .flush = flush};
	ct->nr_pages += nr;
	if (!ct->cur_frozen) {
		ret = ct->early ? protect_unprotected(ct, addr, addr + nr * ps)
				: uffd_writeprotect(ct->uffd, addr, nr * ps, 1);
		if (!ret)
			return 0;
		pr_debug("dump: %d: %lx-%lx copied frozen: write-protect: %s", ct->pid, addr,
			 addr + nr * ps, strerror(-ret));
	}
	return plan_frozen(ct, r);
}

void dump_cow_planned(struct dump_cow_task *ct)
{
	cow_serve_enable(ct->cow, ct, COW_PHASE_COPY);
}

/* One task's pagemap and pages images, its plan replayed through page_out. */
static int copy_task(struct dump_ctx *ctx, struct dump_cow_task *ct)
{
	struct page_out po;
	int ret;

	ret = page_out_open(&po, ctx, ct->pid, IMG_PAGEMAP,
			    (unsigned long)dump_ns_vpid(ctx, ct->pid));
	po.cow = ct;
	if (!ret)
		ret = dump_checkpoint(ctx, "cow-copy");
	for (size_t i = 0; i < ct->nr_runs && !ret; i++) {
		ret = page_out_pages(&po, ct->runs[i].addr, ct->runs[i].nr, PE_PRESENT);
		if (!ret && ct->runs[i].flush)
			ret = page_out_flush(&po);
		if (!ret && !(i % 64))
			ret = dump_checkpoint(ctx, "pages-chunk");
	}
	return page_out_close(&po, ret);
}

int dump_cow_copy(struct dump_ctx *ctx)
{
	struct dump_cow *cow = ctx->cow;
	uint64_t t0 = dump_now_us(), faults = 0, saved = 0;
	int ret = 0;

	if (!cow)
		return 0;
	for (size_t i = 0; i < cow->nr_tasks && !ret; i++)
		if (cow->tasks[i]->phase == COW_PHASE_COPY && !cow->tasks[i]->stale)
			ret = copy_task(ctx, cow->tasks[i]);
	/* every page is copied: the writes still queued go through, the uffds close */
	cow_serve_stop(cow);
	for (size_t i = 0; i < cow->nr_tasks; i++) {
		faults += cow->tasks[i]->nr_faults;
		saved += cow->tasks[i]->nr_saved;
		close(cow->tasks[i]->uffd);
		cow->tasks[i]->uffd = -1;
	}
	pr_debug("dump: copy-on-write copy took %llu us after the thaw: %llu write faults "
		 "served, %llu pages saved before a write or while frozen",
		 (unsigned long long)(dump_now_us() - t0), (unsigned long long)faults,
		 (unsigned long long)saved);
	return ret;
}

void dump_cow_free(struct dump_ctx *ctx)
{
	struct dump_cow *cow = ctx->cow;

	if (!cow)
		return;
	cow_serve_stop(cow);
	for (size_t i = 0; i < cow->nr_tasks; i++)
		cow_task_free(cow->tasks[i]);
	free(cow->tasks);
	if (cow->store_fd >= 0)
		close(cow->store_fd);
	if (cow->evfd >= 0)
		close(cow->evfd);
	free(cow->fault_buf);
	pthread_mutex_destroy(&cow->mu);
	free(cow);
	ctx->cow = NULL;
}
