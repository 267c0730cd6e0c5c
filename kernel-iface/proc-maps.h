/* /proc/PID/maps and /proc/PID/smaps: parsing (pure) and reading. No policy. */
#ifndef CRL_PROC_MAPS_H
#define CRL_PROC_MAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Bits for struct proc_vma.vmflags, from the two-letter codes of smaps "VmFlags:". */
#define PROC_VMF_GROWSDOWN (1u << 0)	 /* gd */
#define PROC_VMF_HUGEPAGE (1u << 1)	 /* hg */
#define PROC_VMF_NOHUGEPAGE (1u << 2)	 /* nh */
#define PROC_VMF_DONTDUMP (1u << 3)	 /* dd */
#define PROC_VMF_DONTCOPY (1u << 4)	 /* dc */
#define PROC_VMF_WIPEONFORK (1u << 5)	 /* wf */
#define PROC_VMF_SOFTDIRTY (1u << 6)	 /* sd */
#define PROC_VMF_IO (1u << 7)		 /* io */
#define PROC_VMF_PFNMAP (1u << 8)	 /* pf */
#define PROC_VMF_MERGEABLE (1u << 9)	 /* mg */
#define PROC_VMF_LOCKED (1u << 10)	 /* lo */
#define PROC_VMF_UFFD_MISSING (1u << 11) /* um */
#define PROC_VMF_UFFD_WP (1u << 12)	 /* uw */
#define PROC_VMF_SHARED (1u << 13)	 /* sh */
#define PROC_VMF_MAYSHARE (1u << 14)	 /* ms */
#define PROC_VMF_SEALED (1u << 15)	 /* sl */
#define PROC_VMF_SHADOW_STACK (1u << 16) /* ss */
#define PROC_VMF_DONTEXPAND (1u << 17)	 /* de */
#define PROC_VMF_RANDREAD (1u << 18)	 /* rr */
#define PROC_VMF_SEQREAD (1u << 19)	 /* sr */
#define PROC_VMF_MAYWRITE (1u << 20)	 /* mw */
#define PROC_VMF_LOCKONFAULT (1u << 21)	 /* lf */

enum proc_vma_kind {
	PROC_VMA_ANON, /* no path, or "[anon:NAME]" (PR_SET_VMA_ANON_NAME) */
	PROC_VMA_FILE,
	PROC_VMA_HEAP,
	PROC_VMA_STACK,
	PROC_VMA_VDSO,
	PROC_VMA_VVAR, /* [vvar] and [vvar_vclock] */
	PROC_VMA_VSYSCALL,
	PROC_VMA_SHMEM_ANON, /* shared anon: "/dev/zero (deleted)", "/SYSV...", "[anon_shmem:..." */
	PROC_VMA_OTHER_SPECIAL, /* any other [name], or a path not starting with '/' */
};

struct proc_vma {
	unsigned long start, end;
	unsigned int prot;	  /* PROT_* */
	bool shared;		  /* 's' in the perms column */
	unsigned long long pgoff; /* byte offset column */
	unsigned int dev_major, dev_minor;
	unsigned long long ino;
	enum proc_vma_kind kind;
	bool deleted;	      /* path ended in " (deleted)", suffix stripped */
	unsigned int vmflags; /* PROC_VMF_*, 0 when parsed from maps not smaps */
	unsigned long rss_kb, anon_kb, swap_kb, anon_huge_kb; /* smaps only, else 0 */
	unsigned long shared_clean_kb, shared_dirty_kb;	      /* mapped by others too; smaps */
	/*
	 * malloc'd, NULL for anonymous; "[vdso]" etc. kept as-is. Kept as the
	 * kernel prints it: a '\n' in a file name reads "\012" (seq_file_path()
	 * escapes only that), so open files through /proc/PID/map_files instead.
	 */
	char *path;
};

struct proc_vma_list {
	struct proc_vma *v;
	size_t n;
};

/*
 * Parses maps or smaps text (@len bytes, need not be NUL-terminated) into @out,
 * which is zeroed first. Returns 0 or -EINVAL (malformed) / -ENOMEM; on error
 * @out is left empty.
 */
int proc_parse_maps(const char *buf, size_t len, struct proc_vma_list *out);
/* Reads /proc/@pid/maps (or smaps) and parses it. 0 or -errno (then @out is empty). */
int proc_read_maps(pid_t pid, bool smaps, struct proc_vma_list *out);
/* An AIO ring (io_setup): the kernel maps it from an unlinked "/[aio]" file. */
static inline bool proc_vma_is_aio(const struct proc_vma *v)
{
	return v->kind == PROC_VMA_FILE && v->deleted && v->path &&
	       !__builtin_strcmp(v->path, "/[aio]");
}

/*
 * A mapping of a socket (a packet socket's ring, mmap of the socket fd): its
 * path reads "socket:[INODE]", the inode column the socket's inode.
 */
static inline bool proc_vma_is_socket(const struct proc_vma *v)
{
	return v->kind == PROC_VMA_OTHER_SPECIAL && v->path &&
	       !__builtin_strncmp(v->path, "socket:[", 8);
}

/* Frees the entries and paths; leaves @l empty. NULL-safe. */
void proc_vma_list_free(struct proc_vma_list *l);

/*
 * Reads a whole file (a /proc file: size unknown in advance) into a malloc'd,
 * NUL-terminated buffer. *len gets the byte count without the NUL. 0 or -errno.
 */
int proc_read_file(const char *path, char **buf, size_t *len);

#endif
