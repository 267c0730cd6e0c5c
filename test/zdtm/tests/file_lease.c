/*
 * A read lease on a file: criu-lite cannot restore leases and must refuse
 * the dump, leaving the process running with its lease (registered with
 * MAY_REFUSE). After the wait the lease must still be held.
 */
#include <fcntl.h>
#include <unistd.h>

#include "zdtmtst.h"

int main(int argc, char **argv)
{
	int fd, cur;

	test_init(argc, argv);
	fd = open(test_path("lease.file"), O_RDONLY | O_CREAT, 0644);
	if (fd < 0)
		fail("open: %m");
	if (fcntl(fd, F_SETLEASE, F_RDLCK))
		test_skip("F_SETLEASE: %m");
	test_daemon();
	test_waitsig();

	cur = fcntl(fd, F_GETLEASE);
	if (cur != F_RDLCK)
		fail("lease: F_GETLEASE says %d, expected F_RDLCK (%d)", cur, F_RDLCK);
	return test_done();
}
