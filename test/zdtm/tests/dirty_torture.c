/*
 * Dirty-memory torture for incremental dumps. From test_daemon() until
 * SIGTERM it keeps mutating memory: writes whole pages and single words,
 * maps, unmaps, moves, grows and shrinks areas, toggles protections, drops
 * pages with MADV_DONTNEED and forks children that write their COW copies.
 * A shadow records what every page must hold (version + poked word); after
 * restore every page is checked. The op counter is also written to a file
 * (not part of the images), so a restore that lost a whole interval of
 * writes is caught even if the shadow lost it coherently.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "zdtmtst.h"

#define SLOTS 16
#define MAXP 1024 /* pages per slot, at most (--max_pages=N lowers it) */

struct slot {
	char *addr;
	size_t npages;
	uint32_t gen;
	int ro;
	uint32_t ver[MAXP]; /* 0: never written (reads zero) */
	uint16_t poke_idx[MAXP];
	uint64_t poke_val[MAXP]; /* 0: no poke */
};

static struct slot slots[SLOTS];
static uint64_t rng = 12345, ops, nr[8];
static size_t ps, maxp = MAXP;

static uint64_t seed_of(int s, size_t p, uint32_t ver)
{
	return ((uint64_t)slots[s].gen << 40) ^ ((uint64_t)s << 32) ^ ((uint64_t)p << 16) ^ ver ^
	       ((uint64_t)ver << 48);
}

static void write_page(int s, size_t p)
{
	uint32_t v = (uint32_t)rnd64(&rng) | 1;

	mem_fill(slots[s].addr + p * ps, ps, seed_of(s, p, v));
	slots[s].ver[p] = v;
	slots[s].poke_val[p] = 0;
}

static void poke_word(int s, size_t p)
{
	uint16_t w = rnd64(&rng) % (ps / 8);
	uint64_t val = rnd64(&rng) | 1;

	uint64_t *page = (uint64_t *)(slots[s].addr + p * ps);

	if (!slots[s].ver[p])
		write_page(s, p);
	if (slots[s].poke_val[p]) /* one poke per page: undo the previous one */
		page[slots[s].poke_idx[p]] =
			mem_pattern_word(seed_of(s, p, slots[s].ver[p]), slots[s].poke_idx[p]);
	((uint64_t *)(slots[s].addr + p * ps))[w] = val;
	slots[s].poke_idx[p] = w;
	slots[s].poke_val[p] = val;
}

static void map_slot(int s, size_t npages)
{
	struct slot *sl = &slots[s];

	sl->addr =
		mmap(NULL, npages * ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (sl->addr == MAP_FAILED) {
		sl->addr = NULL;
		return;
	}
	sl->npages = npages;
	sl->gen++;
	sl->ro = 0;
	memset(sl->ver, 0, sizeof(sl->ver));
	memset(sl->poke_val, 0, sizeof(sl->poke_val));
}

static void op_remap(int s)
{
	struct slot *sl = &slots[s];
	size_t n = 1 + rnd64(&rng) % maxp;
	char *a;

	a = mremap(sl->addr, sl->npages * ps, n * ps, MREMAP_MAYMOVE);
	if (a == MAP_FAILED)
		return;
	if (n > sl->npages) { /* grown: the new tail reads zero */
		memset(sl->ver + sl->npages, 0, (n - sl->npages) * sizeof(sl->ver[0]));
		memset(sl->poke_val + sl->npages, 0, (n - sl->npages) * 8);
	}
	sl->addr = a;
	sl->npages = n;
}

static void op_fork(int s)
{
	pid_t pid = fork();
	size_t i;

	if (pid == 0) { /* scribble on the COW copy: the parent must not see it */
		for (i = 0; i < slots[s].npages && i < 8; i++)
			if (!slots[s].ro)
				memset(slots[s].addr + i * ps, 0xa5, ps);
		_exit(0);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

static void one_op(void)
{
	int s = rnd64(&rng) % SLOTS, k = rnd64(&rng) % 1000;
	struct slot *sl = &slots[s];
	size_t p;

	ops++;
	if (!sl->addr) {
		map_slot(s, 1 + rnd64(&rng) % maxp);
		nr[2]++;
		return;
	}
	p = rnd64(&rng) % sl->npages;
	if (k < 2) {
		munmap(sl->addr, sl->npages * ps);
		sl->addr = NULL;
		nr[3]++;
	} else if (k < 4) {
		op_remap(s);
		nr[4]++;
	} else if (k < 8) {
		sl->ro = !sl->ro;
		mprotect(sl->addr, sl->npages * ps, sl->ro ? PROT_READ : PROT_READ | PROT_WRITE);
		nr[5]++;
	} else if (k < 10) {
		madvise(sl->addr + p * ps, ps, MADV_DONTNEED);
		sl->ver[p] = 0;
		sl->poke_val[p] = 0;
		nr[6]++;
	} else if (k < 11) {
		op_fork(s);
		nr[7]++;
	} else if (sl->ro) {
		/* read-only for now: nothing to write */
	} else if (k < 600) {
		write_page(s, p);
		nr[0]++;
	} else {
		poke_word(s, p);
		nr[1]++;
	}
}

static int check_page(int s, size_t p)
{
	struct slot *sl = &slots[s];
	const uint64_t *w = (const uint64_t *)(sl->addr + p * ps);
	size_t i;

	for (i = 0; i < ps / 8; i++) {
		uint64_t want = sl->ver[p] ? mem_pattern_word(seed_of(s, p, sl->ver[p]), i) : 0;

		if (sl->ver[p] && sl->poke_val[p] && i == sl->poke_idx[p])
			want = sl->poke_val[p];
		if (w[i] != want) {
			fail("slot %d page %zu at %p: word %zu is 0x%016llx, expected 0x%016llx "
			     "(version 0x%x, generation %u)",
			     s, p, (const void *)&w[i], i, (unsigned long long)w[i],
			     (unsigned long long)want, sl->ver[p], sl->gen);
			return 1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct timespec nap = {0, 200 * 1000};
	size_t p, checked = 0;
	uint64_t file_ops = 0;
	int s, fd, bad = 0, i;

	test_init(argc, argv);
	ps = page_size();
	rng = test_arg_long("seed", 12345);
	/* Big pages (64 KiB on ppc64) with the same page count would need 16x the memory. */
	maxp = test_arg_long("max_pages", MAXP);
	if (maxp < 1 || maxp > MAXP)
		maxp = MAXP;
	fd = open(test_path("torture.ops"), O_RDWR | O_CREAT | O_TRUNC, 0644);
	for (s = 0; s < SLOTS; s++) {
		map_slot(s, maxp);
		for (p = 0; p < maxp; p += 1 + s % 3)
			write_page(s, p);
	}
	test_daemon();
	while (!test_stop_requested()) {
		for (i = 0; i < 64; i++)
			one_op();
		if (pread(fd, &file_ops, 8, 0) == 8 && file_ops > ops && !bad++)
			fail("memory says %llu ops were done, the file says %llu: "
			     "writes were lost",
			     (unsigned long long)ops, (unsigned long long)file_ops);
		if (pwrite(fd, &ops, 8, 0) != 8)
			fail("write the op counter: %m");
		nanosleep(&nap, NULL);
	}

	if (pread(fd, &file_ops, 8, 0) != 8 || file_ops != ops)
		fail("memory says %llu ops were done, the file says %llu: writes were lost",
		     (unsigned long long)ops, (unsigned long long)file_ops);
	for (s = 0; s < SLOTS && bad < 10; s++)
		for (p = 0; slots[s].addr && p < slots[s].npages && bad < 10; p++, checked++)
			bad += check_page(s, p);
	test_msg("%llu ops: %llu page writes, %llu word pokes, %llu mmap, %llu munmap, "
		 "%llu mremap, %llu mprotect, %llu dontneed, %llu fork; %zu pages checked",
		 (unsigned long long)ops, (unsigned long long)nr[0], (unsigned long long)nr[1],
		 (unsigned long long)nr[2], (unsigned long long)nr[3], (unsigned long long)nr[4],
		 (unsigned long long)nr[5], (unsigned long long)nr[6], (unsigned long long)nr[7],
		 checked);
	return test_done();
}
