/*
 * A seccomp filter making userfaultfd() and the PAGEMAP_SCAN ioctl fail with
 * ENOSYS, as on a kernel or container without them: used to exercise the
 * trackers' fallback (auto must end up on digest, or soft-dirty where it
 * validates). The filter is inherited by children and survives exec.
 */
#ifndef CRL_NOUFFD_FILTER_H
#define CRL_NOUFFD_FILTER_H

#include <errno.h>
#include <stddef.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "pagemap-scan.h"

/* The low 32 bits of syscall argument @n (ioctl request numbers are 32-bit). */
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define NOUFFD_ARG_LO(n) (offsetof(struct seccomp_data, args[n]) + 4)
#else
#define NOUFFD_ARG_LO(n) offsetof(struct seccomp_data, args[n])
#endif

static inline int nouffd_install(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_userfaultfd, 3, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_ioctl, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NOUFFD_ARG_LO(1)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned int)PAGEMAP_SCAN, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {sizeof(f) / sizeof(f[0]), f};

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -errno;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) ? -errno : 0;
}

#endif
