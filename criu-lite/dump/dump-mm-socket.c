/*
 * A mapping of a socket: the rings of a packet socket (PACKET_RX_RING,
 * PACKET_TX_RING), mapped from its fd. Recorded as CRIU records it
 * (VMA_AREA_REGULAR|VMA_AREA_SOCKET, `shmid` the socket's file_entry id),
 * never dumped as pages: the restore maps the restored socket's rings, which
 * come back empty (dump-fd-packet.c refuses rings holding packets). The
 * socket must still be open in the process (the restore maps it through
 * that fd), and the mapping whole: the kernel maps both rings from offset 0
 * in one piece only (packet_mmap), so a part left after munmap cannot be
 * made again. The socket's own state (and its refusals: rings holding
 * packets) is dumped by the files phase under the id reserved here.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dump.h"
#include "log.h"
#include "mm.pb-c.h"
#include "proc-misc.h"
#include "proc-task.h"
#include "sock-diag-packet.h"

/* The lowest fd of @pid open on socket inode @ino: fd, -ENOENT, or -errno. */
static int socket_fd(pid_t pid, unsigned long long ino)
{
	char want[48], what[32], link[48];
	int *fds = NULL, ret;
	size_t n = 0;

	snprintf(want, sizeof(want), "socket:[%llu]", ino);
	ret = proc_list_fds(pid, &fds, &n);
	if (ret)
		return ret;
	ret = -ENOENT;
	for (size_t i = 0; i < n && ret == -ENOENT; i++) {
		snprintf(what, sizeof(what), "fd/%d", fds[i]);
		if (!proc_readlink(pid, what, link, sizeof(link)) && !strcmp(link, want))
			ret = fds[i];
	}
	free(fds);
	return ret;
}

static size_t rings_len(const struct sock_diag_packet *p)
{
	return (p->rx_ring ? (size_t)p->rx.pdr_block_size * p->rx.pdr_block_nr : 0) +
	       (p->tx_ring ? (size_t)p->tx.pdr_block_size * p->tx.pdr_block_nr : 0);
}

int dump_mm_socket(struct dump_ctx *ctx, pid_t pid, const struct proc_vma *v, VmaEntry *e)
{
	struct sock_diag_packet *p;
	uint32_t id;
	int fd, ret, back;

	p = malloc(sizeof(*p));
	if (!p)
		return -ENOMEM;
	ret = dump_ns_net_enter(ctx, &back);
	if (!ret) {
		ret = sock_diag_packet_find((uint32_t)v->ino, p);
		if (dump_ns_net_leave(back) && !ret)
			ret = -EIO;
	}
	if (ret == -ENOENT) {
		pr_err("dump: mapping %lx-%lx of pid %d: '%s' is not a packet socket (only packet "
		       "rings are restored)",
		       v->start, v->end, pid, v->path);
		ret = -EOPNOTSUPP;
	} else if (!ret && (v->pgoff || v->end - v->start != rings_len(p))) {
		pr_err("dump: mapping %lx-%lx of pid %d: %lu bytes at offset %llu of the %zu bytes "
		       "of rings of packet socket '%s': only a whole mapping can be restored",
		       v->start, v->end, pid, v->end - v->start, v->pgoff, rings_len(p), v->path);
		ret = -EOPNOTSUPP;
	} else if (ret) {
		pr_err("dump: mapping %lx-%lx of pid %d ('%s'): packet_diag: %s", v->start, v->end,
		       pid, v->path, strerror(-ret));
	}
	free(p);
	if (ret)
		return ret;
	fd = socket_fd(pid, v->ino);
	if (fd < 0) {
		pr_err("dump: mapping %lx-%lx of pid %d: packet socket '%s' %s", v->start, v->end,
		       pid, v->path,
		       fd == -ENOENT ? "is no longer open in the process (the restore maps the "
				       "rings through its fd)"
				     : strerror(-fd));
		return fd == -ENOENT ? -EOPNOTSUPP : fd;
	}
	if (ctx->pre_dump)
		return 0; /* memory only: no file ids (checked all the same, to refuse early) */
	ret = dump_fd_file_id(ctx, pid, fd, &id);
	if (!ret)
		e->shmid = id;
	return ret;
}
