/* eventfd counters survive, in normal and semaphore mode, with their flags. */
#include <fcntl.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "zdtmtst.h"

int main(int argc, char **argv)
{
	uint64_t v = 0;
	int e, s, i;

	test_init(argc, argv);
	e = eventfd(0, EFD_NONBLOCK);
	s = eventfd(3, EFD_SEMAPHORE | EFD_NONBLOCK);
	if (e < 0 || s < 0)
		test_skip("eventfd: %m");
	v = 40;
	if (write(e, &v, 8) != 8 || (v = 2, write(e, &v, 8) != 8))
		fail("write eventfd: %m");
	test_daemon();
	test_waitsig();

	if (!(fcntl(e, F_GETFL) & O_NONBLOCK))
		fail("eventfd lost O_NONBLOCK");
	if (read(e, &v, 8) != 8 || v != 42)
		fail("eventfd counter %llu, expected 42", (unsigned long long)v);
	if (read(e, &v, 8) != -1)
		fail("eventfd counter not reset by the read");
	for (i = 0; i < 3; i++)
		if (read(s, &v, 8) != 8 || v != 1)
			fail("semaphore eventfd read %d gave %llu, expected 1", i,
			     (unsigned long long)v);
	if (read(s, &v, 8) != -1)
		fail("semaphore eventfd had more than 3");
	return test_done();
}
