/*
 * The root in its own ipc namespace: an IPC sysctl of the namespace
 * (kernel.msgmax) changed, one System V shared memory segment attached and
 * one only kept (mode 0640). After restore, in the namespace: msgmax is
 * still ours, both keys lead to the same ids, the rights and contents are
 * intact, and the mapping is an attach of the segment again (shm_nattch 1,
 * a write through it seen through a second attach).
 */
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <unistd.h>

#include "zdtmtst.h"

#define KEY_MAPPED 0x5a17
#define KEY_KEPT 0x5a18
#define MSGMAX 12345

static long read_msgmax(void)
{
	char buf[32] = {0};
	int fd = open("/proc/sys/kernel/msgmax", O_RDONLY);

	if (fd < 0 || read(fd, buf, sizeof(buf) - 1) <= 0)
		return -1;
	close(fd);
	return atol(buf);
}

static void check_seg(int key, int id, mode_t mode, size_t len, int seed)
{
	struct shmid_ds ds;
	int now = shmget(key, 0, 0);
	char *p;

	if (now != id) {
		fail("key 0x%x: segment id %d, want %d (%m)", key, now, id);
		return;
	}
	if (shmctl(id, IPC_STAT, &ds))
		fail("IPC_STAT of segment %d: %m", id);
	else if ((ds.shm_perm.mode & 0777) != mode || ds.shm_segsz != len)
		fail("segment %d: mode 0%o size %zu, want 0%o %zu", id, ds.shm_perm.mode & 0777,
		     (size_t)ds.shm_segsz, mode, len);
	p = shmat(id, NULL, SHM_RDONLY);
	if (p == (void *)-1) {
		fail("shmat of segment %d: %m", id);
		return;
	}
	mem_check("segment contents", p, len, seed);
	shmdt(p);
}

int main(int argc, char **argv)
{
	size_t len = 3 * page_size();
	int mapped, kept, fd;
	struct shmid_ds ds;
	char *m, *p;

	test_init(argc, argv);
	if (unshare(CLONE_NEWIPC))
		test_skip("unshare(CLONE_NEWIPC): %m");
	fd = open("/proc/sys/kernel/msgmax", O_WRONLY);
	if (fd < 0 || dprintf(fd, "%d", MSGMAX) < 0)
		test_skip("kernel.msgmax: %m");
	close(fd);
	mapped = shmget(KEY_MAPPED, len, IPC_CREAT | 0600);
	kept = shmget(KEY_KEPT, len, IPC_CREAT | 0640);
	m = mapped < 0 ? (void *)-1 : shmat(mapped, NULL, 0);
	p = kept < 0 ? (void *)-1 : shmat(kept, NULL, 0);
	if (m == (void *)-1 || p == (void *)-1)
		test_skip("shmget/shmat: %m");
	mem_fill(m, len, 11);
	mem_fill(p, len, 12);
	shmdt(p);
	test_daemon();
	test_waitsig();

	if (read_msgmax() != MSGMAX)
		fail("kernel.msgmax is %ld, want %d (not in its own ipc namespace?)", read_msgmax(),
		     MSGMAX);
	check_seg(KEY_MAPPED, mapped, 0600, len, 11);
	check_seg(KEY_KEPT, kept, 0640, len, 12);
	mem_check("mapping", m, len, 11);
	if (shmctl(mapped, IPC_STAT, &ds) == 0 && ds.shm_nattch != 1)
		fail("segment %d has %lu attaches, want 1 (ours)", mapped,
		     (unsigned long)ds.shm_nattch);
	p = shmat(mapped, NULL, 0);
	if (p != (void *)-1) {
		m[len - 1] = 'Z';
		if (p[len - 1] != 'Z')
			fail("a write through the restored mapping is not in segment %d", mapped);
		shmdt(p);
	}
	return test_done();
}
