/*
 * Restore: shared anonymous memory objects (MAP_SHARED|MAP_ANONYMOUS, seen
 * as "/dev/zero (deleted)"). One object may be mapped by several processes
 * and at several offsets (mremap of a part, a fork then an mremap), so the
 * first process that needs it creates the whole object, as large as the
 * furthest page any recorded mapping of it reaches, fills every page of it,
 * and every mapping (its own included) maps it through /proc/PID/map_files
 * at its recorded offset.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "array.h"
#include "inject.h"
#include "log.h"
#include "proc-maps.h"
#include "restore.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

/* The furthest byte of the object any recorded mapping reaches. */
static unsigned long rst_shm_size(const struct rst_ctx *c, uint64_t shmid)
{
	unsigned long size = 0;

	for (size_t i = 0; i < c->nr_tasks; i++) {
		const MmEntry *mm = c->tasks[i].mm;

		for (size_t k = 0; mm && k < mm->n_vmas; k++) {
			const VmaEntry *v = mm->vmas[k];

			if ((v->status & RST_VMA_ANON_SHARED) && v->shmid == shmid &&
			    v->pgoff + (v->end - v->start) > size)
				size = v->pgoff + (v->end - v->start);
		}
	}
	return size;
}

/* Every dumped page of the object below @size, written at @addr + its offset. */
static int rst_shm_fill(struct rst_ctx *c, pid_t pid, uint64_t shmid, unsigned long addr,
			unsigned long size)
{
	struct rst_filler *f = rst_ctx_filler(c);
	struct rst_segs segs = {0}, one = {0};
	int ret;

	if (!f)
		return -ENOMEM;
	ret = rst_shmem_resolve(c, shmid, &segs);
	for (size_t k = 0; !ret && k < segs.n; k++) {
		struct rst_seg sg = segs.s[k];

		if (sg.vaddr >= size)
			continue;
		if (sg.vaddr + sg.len > size)
			sg.len = size - sg.vaddr;
		sg.vaddr += addr;
		one.s = &sg, one.n = 1;
		ret = rst_fill(f, pid, &one);
	}
	rst_segs_free(&segs);
	return ret;
}

/* Creates, fills and opens (in @t: the fd is its) the whole object; -errno, logged. */
static int rst_shm_create(struct rst_ctx *c, struct rst_task *t, struct inject *in,
			  const VmaEntry *v, int *fd)
{
	unsigned long size = rst_shm_size(c, v->shmid), addr;
	struct rst_range scratch = {in->scratch, in->scratch + in->scratch_len};
	struct proc_vma_list cur = {0};
	char path[96];
	long r;
	int ret;

	ret = proc_read_maps(t->pid, false, &cur);
	if (!ret)
		ret = rst_find_gap(&cur, t->mm, &scratch, 1, size, &addr);
	proc_vma_list_free(&cur);
	if (ret) {
		pr_err("pid %d: no room for shared memory %#llx (%lu bytes): %s", t->pid,
		       (unsigned long long)v->shmid, size, strerror(-ret));
		return ret;
	}
	r = inject_mmap(in, addr, size, PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, (unsigned long)-1, 0);
	if (r != (long)addr) {
		pr_err("pid %d: cannot create shared memory %#llx (%lu bytes): %s", t->pid,
		       (unsigned long long)v->shmid, size, r < 0 ? strerror((int)-r) : "moved");
		return r < 0 ? (int)r : -EIO;
	}
	ret = rst_shm_fill(c, t->pid, v->shmid, addr, size);
	if (!ret) {
		snprintf(path, sizeof(path), "/proc/%d/map_files/%lx-%lx", t->pid, addr,
			 addr + size);
		*fd = rst_open_in_task(in, path, O_RDWR);
		ret = *fd < 0 ? *fd : 0;
	}
	/* The fd holds the object now; the mappings come from it. */
	inject_call(in, SYS_munmap, addr, size, 0, 0, 0, 0);
	if (ret)
		pr_err("pid %d: shared memory %#llx: %s", t->pid, (unsigned long long)v->shmid,
		       strerror(-ret));
	return ret;
}

int rst_shm_open(struct rst_ctx *c, struct rst_task *t, struct inject *in, const VmaEntry *v,
		 int *fd)
{
	char path[96];
	int ret;

	for (size_t i = 0; i < c->nr_shms; i++) {
		if (c->shms[i].shmid != v->shmid)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/map_files/%lx-%lx", c->shms[i].pid,
			 c->shms[i].start, c->shms[i].end);
		*fd = rst_open_in_task(in, path, O_RDWR);
		return *fd < 0 ? *fd : 0;
	}
	if (ARRAY_GROW(c->shms, c->nr_shms))
		return -ENOMEM;
	ret = rst_shm_create(c, t, in, v, fd);
	if (ret)
		return ret;
	/* @v is mapped from *fd right after: later mappings open the object through it. */
	c->shms[c->nr_shms++] = (struct rst_shm){v->shmid, t->pid, v->start, v->end};
	return 0;
}
