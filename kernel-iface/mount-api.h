/*
 * The new mount API (Linux 5.2+: open_tree; 5.12+: mount_setattr), for a
 * mount's attributes by fd and a detached copy of one mount. No policy.
 */
#ifndef CRL_MOUNT_API_H
#define CRL_MOUNT_API_H

#include <stdint.h>

/* MOUNT_ATTR_* (linux/mount.h) */
#define MNT_ATTR_RDONLY 0x00000001u
#define MNT_ATTR_NOSUID 0x00000002u
#define MNT_ATTR_NODEV 0x00000004u
#define MNT_ATTR_NOEXEC 0x00000008u
#define MNT_ATTR__ATIME 0x00000070u
#define MNT_ATTR_RELATIME 0x00000000u
#define MNT_ATTR_NOATIME 0x00000010u
#define MNT_ATTR_STRICTATIME 0x00000020u
#define MNT_ATTR_NODIRATIME 0x00000080u

/*
 * A detached copy of the one mount at @path (relative to @dfd; not its
 * submounts: OPEN_TREE_CLONE), which shows what mounts on top of it hide.
 * Must be a mount of the caller's mount namespace. The fd (O_CLOEXEC) or
 * -errno.
 */
int mount_api_clone(int dfd, const char *path);
/*
 * Sets the attributes @set and clears @clr (MNT_ATTR_*) of the mount @fd
 * is on; @propagation: MS_PRIVATE, MS_SHARED, MS_SLAVE or 0 (unchanged).
 * 0 or -errno.
 */
int mount_api_setattr(int fd, uint64_t set, uint64_t clr, uint64_t propagation);
/*
 * A new super block of @fstype from @source (NULL: none) with @options
 * ("gid=5,mode=620": key=value strings and bare flags), as a detached mount
 * (fsopen, fsconfig, fsmount): its fd (O_CLOEXEC) or -errno.
 */
int mount_api_fs_new(const char *fstype, const char *source, const char *options);
/* Attaches the detached mount @fd (mount_api_clone) on @to. 0 or -errno. */
int mount_api_move(int fd, const char *to);

#endif
