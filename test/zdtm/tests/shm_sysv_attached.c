/*
 * A System V shared memory segment attached (shmat) and not removed, as
 * PostgreSQL keeps its interlock segment: after restore the process is
 * attached to the same segment again (IPC_STAT counts it in shm_nattch, a
 * write through the mapping is seen through a second attach), not to an
 * anonymous copy of it, and the contents are intact. The segment outlives
 * the dump's kill, so the restore finds it; the test removes it at the end.
 */
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>

#include "zdtmtst.h"

#define PAGES 3

int main(int argc, char **argv)
{
	size_t len = PAGES * page_size();
	struct shmid_ds ds;
	char *m, *other;
	int id;

	test_init(argc, argv);
	id = shmget(IPC_PRIVATE, len, IPC_CREAT | 0600);
	if (id < 0)
		test_skip("shmget: %m");
	m = shmat(id, NULL, 0);
	if (m == (void *)-1) {
		shmctl(id, IPC_RMID, NULL);
		test_skip("shmat: %m");
	}
	mem_fill(m, len, 7);
	test_daemon();
	test_waitsig();

	mem_check("segment", m, len, 7);
	if (shmctl(id, IPC_STAT, &ds))
		fail("IPC_STAT of segment %d: %m (the segment is gone)", id);
	else if (ds.shm_nattch != 1)
		fail("segment %d has %lu attaches, want 1 (ours)", id,
		     (unsigned long)ds.shm_nattch);
	other = shmat(id, NULL, 0);
	if (other == (void *)-1) {
		fail("second shmat of segment %d: %m", id);
	} else {
		m[len - 1] = 'Z';
		if (other[len - 1] != 'Z')
			fail("a write through the restored mapping is not in segment %d", id);
		shmdt(other);
	}
	shmdt(m);
	shmctl(id, IPC_RMID, NULL);
	return test_done();
}
