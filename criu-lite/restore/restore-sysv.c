/*
 * Restore: System V shared memory attachments (VMA_AREA_SYSVIPC, seen as
 * "/SYSV<key> (deleted)"; the dump records the segment's id as the VMA's
 * shmid). criu-lite restores no IPC namespace, so a segment that still
 * exists in the caller's (one the dumped process did not remove, like
 * PostgreSQL's interlock segment) is attached again with shmat at its
 * address, as criu does inside a restored namespace: the process shares it
 * with the others again and shm_nattch counts it. Its contents are the
 * segment's own, like a file's. A segment that is gone comes back as before,
 * as anonymous shared memory with the dumped contents (restore-shmem.c).
 */
#include <errno.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "inject.h"
#include "log.h"
#include "restore.h"

#ifndef SHM_EXEC
#define SHM_EXEC 0100000
#endif

int rst_sysv_attach(struct rst_task *t, struct inject *in, const VmaEntry *v)
{
	unsigned long len = v->end - v->start, seg, flags = SHM_REMAP;
	unsigned long page = (unsigned long)sysconf(_SC_PAGESIZE);
	int id = (int)v->shmid;
	struct shmid_ds ds;
	long r;

	if ((uint64_t)id != v->shmid || shmctl(id, IPC_STAT, &ds)) {
		pr_warn("pid %d: vma 0x%lx-0x%lx: System V shared memory segment %llu is gone: "
			"restored as anonymous shared memory with the dumped contents (shmctl on "
			"it fails)",
			t->pid, (unsigned long)v->start, (unsigned long)v->end,
			(unsigned long long)v->shmid);
		return -ENOENT;
	}
	seg = (ds.shm_segsz + page - 1) & ~(page - 1);
	if (v->pgoff || len != seg) {
		pr_err("pid %d: vma 0x%lx-0x%lx: System V shared memory segment %d is attached in "
		       "part (%lu bytes at offset %llu of %lu): not supported",
		       t->pid, (unsigned long)v->start, (unsigned long)v->end, id, len,
		       (unsigned long long)v->pgoff, seg);
		return -EOPNOTSUPP;
	}
	if (!(v->prot & PROT_WRITE))
		flags |= SHM_RDONLY;
	if (v->prot & PROT_EXEC)
		flags |= SHM_EXEC;
	r = inject_call(in, SYS_shmat, (unsigned long)id, (unsigned long)v->start, flags, 0, 0, 0);
	if (r != (long)v->start) {
		pr_err("pid %d: vma 0x%lx-0x%lx: shmat of System V shared memory segment %d: %s",
		       t->pid, (unsigned long)v->start, (unsigned long)v->end, id,
		       r < 0 ? strerror((int)-r) : "moved");
		return r < 0 ? (int)r : -EIO;
	}
	pr_debug("pid %d: shmat segment %d at 0x%lx", t->pid, id, (unsigned long)v->start);
	return 0;
}
