/* Namespaces through /proc/PID/ns (nsfs): their inode numbers, entering and leaving. No policy. */
#ifndef CRL_NSFS_H
#define CRL_NSFS_H

#include <stdint.h>
#include <sys/types.h>

/*
 * The inode of namespace link @name ("uts", "pid_for_children"...) of @pid
 * (0: the caller), which names the namespace. 0, -ENOENT (no such kind in
 * this kernel, or a zombie), or -errno.
 */
int ns_read_ino(pid_t pid, const char *name, uint64_t *ino);
/*
 * Moves the calling thread into @pid's namespace @name (CLONE_NEW* @nstype);
 * *@back is an fd of the one it left, for ns_leave. 0 or -errno.
 */
int ns_enter(pid_t pid, const char *name, int nstype, int *back);
/* Moves back into the namespace @back names and closes it. 0 or -errno. */
int ns_leave(int back, int nstype);

#endif
