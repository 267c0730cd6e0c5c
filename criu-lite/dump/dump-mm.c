/*
 * mm-PID.img: the VMAs of a process (maps + VmFlags, dump-mm-pre.c) with CRIU's status bits,
 * the mm fields from /proc/PID/stat, the saved auxv and the exe link.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/membarrier.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "array.h"
#include "core.pb-c.h"
#include "dump.h"
#include "inject.h"
#include "log.h"
#include "mm.pb-c.h"
#include "proc-misc.h"

/* vma_entry.status bits (CRIU's values, docs/image-format.md). */
#define VMA_AREA_REGULAR (1u << 0)
#define VMA_AREA_STACK (1u << 1)
#define VMA_AREA_VSYSCALL (1u << 2)
#define VMA_AREA_VDSO (1u << 3)
#define VMA_AREA_HEAP (1u << 5)
#define VMA_FILE_PRIVATE (1u << 6)
#define VMA_FILE_SHARED (1u << 7)
#define VMA_ANON_SHARED (1u << 8)
#define VMA_ANON_PRIVATE (1u << 9)
#define VMA_AREA_SYSVIPC (1u << 10)
#define VMA_AREA_SOCKET (1u << 11)
#define VMA_AREA_VVAR (1u << 12)
#define VMA_AREA_AIORING (1u << 13)

#define DUMP_MAX_AUXV 512

#ifndef MEMBARRIER_CMD_GET_REGISTRATIONS
#define MEMBARRIER_CMD_GET_REGISTRATIONS (1 << 9) /* Linux 6.3 */
#endif

static uint64_t vma_madv(unsigned int f)
{
	static const struct {
		unsigned int vmf;
		int madv;
	} map[] = {
		{PROC_VMF_HUGEPAGE, MADV_HUGEPAGE},	{PROC_VMF_NOHUGEPAGE, MADV_NOHUGEPAGE},
		{PROC_VMF_DONTDUMP, MADV_DONTDUMP},	{PROC_VMF_DONTCOPY, MADV_DONTFORK},
		{PROC_VMF_WIPEONFORK, MADV_WIPEONFORK}, {PROC_VMF_MERGEABLE, MADV_MERGEABLE},
		{PROC_VMF_RANDREAD, MADV_RANDOM},	{PROC_VMF_SEQREAD, MADV_SEQUENTIAL},
	};
	uint64_t m = 0;

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (f & map[i].vmf)
			m |= 1ULL << map[i].madv;
	return m;
}

#define VMA_GHOST_MAX (64 << 20)

/* An unlinked file's content is saved once per REG entry. */
static bool ghost_written(struct dump_ctx *ctx, uint32_t id)
{
	char name[64];

	snprintf(name, sizeof(name), "ghost-file-%x.img", id);
	return faccessat(ctx->dir.fd, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

static int vma_file(struct dump_ctx *ctx, pid_t pid, const struct proc_vma *v, VmaEntry *e)
{
	char link[96];
	struct stat st;
	unsigned int flags;
	uint32_t id;
	int ret;

	/*
	 * A shared mapping made read-only by mprotect() keeps VM_MAYWRITE ("mw"):
	 * the file must be opened for writing again, or the process cannot
	 * mprotect it back (EACCES).
	 */
	flags = (v->shared && ((v->prot & PROT_WRITE) || (v->vmflags & PROC_VMF_MAYWRITE)))
			? O_RDWR
			: O_RDONLY;
	if (v->deleted && v->path && !strncmp(v->path, "/memfd:", 7)) {
		ret = dump_memfd_vma(ctx, pid, v->start, v->end, v->path, flags, &id);
		if (ret)
			return ret;
		goto done;
	}
	snprintf(link, sizeof(link), "/proc/%d/map_files/%lx-%lx", pid, v->start, v->end);
	if (stat(link, &st)) {
		ret = -errno;
		pr_err("dump: mapping %lx-%lx of pid %d ('%s'): %s", v->start, v->end, pid,
		       v->path ? v->path : "", strerror(errno));
		return ret;
	}
	if (v->deleted && (!S_ISREG(st.st_mode) || st.st_nlink || st.st_size > VMA_GHOST_MAX)) {
		pr_err("dump: mapping %lx-%lx of pid %d: unlinked file '%s' (%s) is not supported",
		       v->start, v->end, pid, v->path ? v->path : "",
		       !S_ISREG(st.st_mode) ? "not a regular file"
		       : st.st_nlink	    ? "with other links"
					    : "larger than 64 MiB");
		return -EOPNOTSUPP;
	}
	ret = dump_reg_file(ctx, v->path ? v->path : "", flags, &st, &id);
	if (ret)
		return ret;
	if (v->deleted && !ghost_written(ctx, id))
		ret = dump_ghost_file(ctx, link, &st, id);
	if (ret)
		return ret;
done:
	e->shmid = id;
	e->fd = id;
	e->has_fdflags = true;
	e->fdflags = flags;
	e->flags |= v->shared ? MAP_SHARED : MAP_PRIVATE;
	e->status |= VMA_AREA_REGULAR | (v->shared ? VMA_FILE_SHARED : VMA_FILE_PRIVATE);
	return 0;
}

static int vma_fill(struct dump_ctx *ctx, struct dump_task *t, const struct proc_vma *v,
		    VmaEntry *e)
{
	e->start = v->start;
	e->end = v->end;
	e->pgoff = v->pgoff;
	e->prot = v->prot;
	e->fd = -1;
	if (v->vmflags & PROC_VMF_GROWSDOWN)
		e->flags |= MAP_GROWSDOWN;
	/* mlock() or MAP_LOCKED ("lo"); restore locks the area once it is filled. */
	if (v->vmflags & PROC_VMF_LOCKED)
		e->flags |= MAP_LOCKED;
	if (v->vmflags & PROC_VMF_LOCKONFAULT) {
		pr_err("dump: mapping %lx-%lx of pid %d: mlock2(MLOCK_ONFAULT) is not supported",
		       v->start, v->end, t->pid);
		return -EOPNOTSUPP;
	}
	/* Its missing pages are somewhere else (a lazy restore still serving it): not in memory. */
	if (v->vmflags & PROC_VMF_UFFD_MISSING) {
		pr_err("dump: mapping %lx-%lx of pid %d is registered with a userfaultfd in "
		       "missing "
		       "mode (a restore --lazy-pages still serving it, or the program's own): its "
		       "missing pages are not in memory; dump again once its lazy-pages server "
		       "has exited",
		       v->start, v->end, t->pid);
		return -EOPNOTSUPP;
	}
	e->madv = vma_madv(v->vmflags);
	e->has_madv = e->madv != 0;
	if (v->vmflags & (PROC_VMF_IO | PROC_VMF_PFNMAP) && v->kind != PROC_VMA_VVAR) {
		pr_err("dump: mapping %lx-%lx of pid %d ('%s'): device memory is not supported",
		       v->start, v->end, t->pid, v->path ? v->path : "");
		return -EOPNOTSUPP;
	}
	switch (v->kind) {
	case PROC_VMA_ANON:
	case PROC_VMA_HEAP:
	case PROC_VMA_STACK:
		e->flags |= MAP_PRIVATE | MAP_ANONYMOUS;
		e->status = VMA_AREA_REGULAR | VMA_ANON_PRIVATE;
		if (v->kind == PROC_VMA_HEAP)
			e->status |= VMA_AREA_HEAP;
		if (v->kind == PROC_VMA_STACK)
			e->status |= VMA_AREA_STACK;
		return 0;
	case PROC_VMA_FILE:
		if (proc_vma_is_aio(v)) {
			/* its pages are dumped; mm_aio() records the ring */
			e->flags |= MAP_SHARED | MAP_ANONYMOUS;
			e->status = VMA_AREA_REGULAR | VMA_AREA_AIORING;
			return 0;
		}
		return vma_file(ctx, t->pid, v, e);
	case PROC_VMA_VDSO:
		e->flags |= MAP_PRIVATE | MAP_ANONYMOUS;
		e->status = VMA_AREA_REGULAR | VMA_AREA_VDSO;
		return 0;
	case PROC_VMA_VVAR:
		e->flags |= MAP_PRIVATE | MAP_ANONYMOUS;
		e->status = VMA_AREA_REGULAR | VMA_AREA_VVAR;
		return 0;
	case PROC_VMA_VSYSCALL:
		e->flags |= MAP_PRIVATE | MAP_ANONYMOUS;
		e->status = VMA_AREA_VSYSCALL;
		return 0;
	case PROC_VMA_SHMEM_ANON:
		if (!v->shared) {
			pr_err("dump: mapping %lx-%lx of pid %d: private mapping of shared "
			       "memory '%s' is not supported",
			       v->start, v->end, t->pid, v->path ? v->path : "");
			return -EOPNOTSUPP;
		}
		e->flags |= MAP_SHARED | MAP_ANONYMOUS;
		e->status = VMA_AREA_REGULAR | VMA_ANON_SHARED;
		if (v->path && !strncmp(v->path, "/SYSV", 5))
			e->status |= VMA_AREA_SYSVIPC;
		e->shmid = v->ino;
		return 0;
	case PROC_VMA_OTHER_SPECIAL:
		if (!proc_vma_is_socket(v))
			break;
		/* a packet socket's rings: mapped from the restored socket */
		e->flags |= v->shared ? MAP_SHARED : MAP_PRIVATE;
		e->status = VMA_AREA_REGULAR | VMA_AREA_SOCKET;
		return dump_mm_socket(ctx, t->pid, v, e);
	default:
		break;
	}
	pr_err("dump: mapping %lx-%lx of pid %d: unsupported special area '%s'", v->start, v->end,
	       t->pid, v->path ? v->path : "");
	return -EOPNOTSUPP;
}

static int shmem_once(struct dump_ctx *ctx, struct dump_task *t, const struct proc_vma *v)
{
	for (size_t i = 0; i < ctx->nr_shmids; i++)
		if (ctx->shmids[i] == v->ino)
			return 0;
	if (ARRAY_GROW(ctx->shmids, ctx->nr_shmids))
		return -ENOMEM;
	ctx->shmids[ctx->nr_shmids++] = v->ino;
	return dump_shmem_pages(ctx, t, v, v->ino);
}

static int mm_exe(struct dump_ctx *ctx, pid_t pid, uint32_t *id)
{
	char path[4096], link[64];
	struct stat st;
	int ret;

	ret = proc_readlink(pid, "exe", path, sizeof(path));
	snprintf(link, sizeof(link), "/proc/%d/exe", pid);
	if (!ret && stat(link, &st))
		ret = -errno;
	if (ret) {
		pr_err("dump: exe of pid %d: %s", pid, strerror(-ret));
		return ret;
	}
	return dump_reg_file(ctx, path, O_RDONLY, &st, id);
}

/*
 * The membarrier(2) commands the process registered for (a mask of
 * MEMBARRIER_CMD_REGISTER_*). MEMBARRIER_CMD_GET_REGISTRATIONS exists since
 * Linux 6.3; before, only the private expedited one is probed: that command
 * fails with EPERM in a process that did not register (and is otherwise a
 * harmless barrier).
 */
static long mm_membarrier(struct inject *in)
{
	long r = inject_call(in, SYS_membarrier, MEMBARRIER_CMD_GET_REGISTRATIONS, 0, 0, 0, 0, 0);

	if (r >= 0 || r == -ENOSYS)
		return r >= 0 ? r : 0;
	if (r != -EINVAL)
		return r;
	r = inject_call(in, SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0, 0, 0, 0);
	if (r == -EPERM || r == -EINVAL || r == -ENOSYS)
		return 0;
	return r ? r : MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED;
}

int dump_mm_membarrier(struct inject *in, pid_t pid, struct TaskCoreEntry *tc)
{
	long mb = mm_membarrier(in);

	if (mb < 0) {
		pr_err("dump: membarrier registrations of pid %d: %s", pid, strerror((int)-mb));
		return (int)mb;
	}
	tc->has_membarrier_registration_mask = mb != 0;
	tc->membarrier_registration_mask = (uint32_t)mb;
	return 0;
}

/* brk(0), PR_GET_DUMPABLE and PR_GET_THP_DISABLE, run inside the stopped leader. */
static int mm_inject(pid_t pid, MmEntry *mm)
{
	struct inject in;
	long brk, dumpable, thp;
	int ret;

	ret = inject_begin(&in, pid);
	if (ret) {
		pr_err("dump: cannot run syscalls in pid %d: %s", pid, strerror(-ret));
		return ret;
	}
	brk = inject_call(&in, SYS_brk, 0, 0, 0, 0, 0, 0);
	dumpable = inject_call(&in, SYS_prctl, PR_GET_DUMPABLE, 0, 0, 0, 0, 0);
	thp = inject_call(&in, SYS_prctl, PR_GET_THP_DISABLE, 0, 0, 0, 0, 0);
	ret = inject_end(&in);
	if (!ret && brk < 0)
		ret = (int)brk;
	if (ret) {
		pr_err("dump: brk of pid %d: %s", pid, strerror(-ret));
		return ret;
	}
	mm->mm_brk = (uint64_t)brk;
	if (dumpable >= 0) {
		mm->has_dumpable = true;
		mm->dumpable = (int32_t)dumpable;
	}
	if (thp >= 0) {
		mm->has_thp_disabled = true;
		mm->thp_disabled = thp != 0;
	}
	return 0;
}

static void mm_fields(MmEntry *mm, const struct dump_task *t)
{
	const struct proc_stat *s = &t->stat;

	mm->mm_start_code = s->start_code;
	mm->mm_end_code = s->end_code;
	mm->mm_start_data = s->start_data;
	mm->mm_end_data = s->end_data;
	mm->mm_start_stack = s->start_stack;
	mm->mm_start_brk = s->start_brk;
	mm->mm_arg_start = s->arg_start;
	mm->mm_arg_end = s->arg_end;
	mm->mm_env_start = s->env_start;
	mm->mm_env_end = s->env_end;
}

/*
 * One aio_ring_entry per AIO ring (CRIU's): its address (the context id
 * io_setup returned), length and number of event slots, from the ring's
 * header (struct aio_ring: id, nr, head, tail...).
 */
static int mm_aio(const struct dump_task *t, AioRingEntry **out, AioRingEntry ***vp, size_t *n)
{
	char path[64];
	int fd = -1, ret = 0;

	*n = 0;
	for (size_t i = 0; i < t->vmas.n && !ret; i++) {
		const struct proc_vma *v = &t->vmas.v[i];
		uint32_t hdr[2];

		if (!proc_vma_is_aio(v))
			continue;
		if (fd < 0) {
			snprintf(path, sizeof(path), "/proc/%d/mem", t->pid);
			fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				return -errno;
		}
		if (pread(fd, hdr, sizeof(hdr), (off_t)v->start) != (ssize_t)sizeof(hdr)) {
			ret = -EIO;
			break;
		}
		if (!*out) {
			*out = calloc(t->vmas.n, sizeof(**out));
			*vp = calloc(t->vmas.n, sizeof(**vp));
			if (!*out || !*vp) {
				ret = -ENOMEM;
				break;
			}
		}
		aio_ring_entry__init(&(*out)[*n]);
		(*out)[*n].id = v->start;
		(*out)[*n].ring_len = (uint32_t)(v->end - v->start);
		(*out)[*n].nr_req = hdr[1];
		(*vp)[*n] = &(*out)[*n];
		(*n)++;
	}
	if (fd >= 0)
		close(fd);
	if (ret)
		pr_err("dump: AIO ring of pid %d: %s", t->pid, strerror(-ret));
	return ret;
}

/* @vmas with @g (address order, each inside one of them) after the VMA that holds it. */
static size_t mm_order(const struct dump_task *t, VmaEntry *vmas, VmaEntry *g, size_t ng,
		       VmaEntry **vp)
{
	size_t n = 0, k = 0;

	for (size_t i = 0; i < t->vmas.n; i++) {
		vp[n++] = &vmas[i];
		while (k < ng && g[k].start < vmas[i].end)
			vp[n++] = &g[k++];
	}
	return n;
}

static int mm_write(struct dump_ctx *ctx, struct dump_task *t, VmaEntry *vmas)
{
	VmaEntry *guards = NULL, **vp = NULL;
	AioRingEntry *aios = NULL, **aiop = NULL;
	size_t nguards = 0, naios = 0;
	MmEntry mm = MM_ENTRY__INIT;
	uint64_t *auxv;
	size_t nauxv = 0;
	int ret;

	auxv = calloc(DUMP_MAX_AUXV, sizeof(*auxv));
	if (!auxv)
		return -ENOMEM;
	ret = proc_read_auxv(t->pid, auxv, DUMP_MAX_AUXV, &nauxv);
	if (ret) {
		pr_err("dump: auxv of pid %d: %s", t->pid, strerror(-ret));
		goto out;
	}
	ret = mm_exe(ctx, t->pid, &mm.exe_file_id);
	if (ret)
		goto out;
	mm_fields(&mm, t);
	ret = mm_inject(t->pid, &mm);
	if (ret)
		goto out;
	mm.n_mm_saved_auxv = nauxv;
	mm.mm_saved_auxv = auxv;
	ret = dump_mm_guards(t->pid, &t->vmas, &guards, &nguards);
	if (ret)
		goto out;
	vp = calloc(t->vmas.n + nguards + 1, sizeof(*vp));
	if (!vp) {
		ret = -ENOMEM;
		goto out;
	}
	mm.n_vmas = mm_order(t, vmas, guards, nguards, vp);
	mm.vmas = vp;
	ret = mm_aio(t, &aios, &aiop, &naios);
	if (ret)
		goto out;
	mm.n_aios = naios;
	mm.aios = aiop;
	ret = img_write_one(&ctx->dir, IMG_MM, (unsigned long)t->vpid, &mm.base);
out:
	free(aios);
	free(aiop);
	free(guards);
	free(vp);
	free(auxv);
	return ret;
}

int dump_task_mm(struct dump_ctx *ctx, struct dump_task *t)
{
	VmaEntry *vmas = NULL;
	int ret;

	ret = dump_mm_read_vmas(ctx, t->pid, &t->vmas);
	if (ret) {
		pr_err("dump: smaps of pid %d: %s", t->pid, strerror(-ret));
		return ret;
	}
	vmas = calloc(t->vmas.n + 1, sizeof(*vmas));
	if (!vmas) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < t->vmas.n && !ret; i++) {
		vma_entry__init(&vmas[i]);
		ret = vma_fill(ctx, t, &t->vmas.v[i], &vmas[i]);
		if (!ret && t->vmas.v[i].kind == PROC_VMA_SHMEM_ANON)
			ret = shmem_once(ctx, t, &t->vmas.v[i]);
	}
	if (!ret)
		ret = mm_write(ctx, t, vmas);
out:
	free(vmas);
	return ret;
}
