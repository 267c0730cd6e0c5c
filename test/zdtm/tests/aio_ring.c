/*
 * An AIO context (io_setup: the [aio] ring mapping) with one completed
 * request not yet reaped: after restore io_getevents returns that event, and
 * new requests submitted on the same context complete.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/aio_abi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "zdtmtst.h"

static long io_setup(unsigned n, aio_context_t *ctx)
{
	return syscall(SYS_io_setup, n, ctx);
}

static long io_submit(aio_context_t ctx, long n, struct iocb **iocb)
{
	return syscall(SYS_io_submit, ctx, n, iocb);
}

static long io_getevents(aio_context_t ctx, long min, long max, struct io_event *ev)
{
	struct timespec ts = {5, 0};

	return syscall(SYS_io_getevents, ctx, min, max, ev, &ts);
}

static int submit_read(aio_context_t ctx, int fd, char *buf, size_t len, uint64_t data)
{
	struct iocb cb, *cbs[1] = {&cb};

	memset(&cb, 0, sizeof(cb));
	cb.aio_lio_opcode = IOCB_CMD_PREAD;
	cb.aio_fildes = (uint32_t)fd;
	cb.aio_buf = (uint64_t)(uintptr_t)buf;
	cb.aio_nbytes = len;
	cb.aio_data = data;
	return io_submit(ctx, 1, cbs) == 1 ? 0 : -1;
}

int main(int argc, char **argv)
{
	char buf1[64], buf2[64];
	struct io_event ev[2];
	aio_context_t ctx = 0;
	int fd;
	long n;

	test_init(argc, argv);
	fd = open(test_path("data"), O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, "aio ring contents", 17) != 17)
		test_skip("data file: %m");
	if (io_setup(16, &ctx))
		test_skip("io_setup: %m");
	memset(buf1, 0, sizeof(buf1));
	if (submit_read(ctx, fd, buf1, sizeof(buf1), 0x1111))
		test_skip("io_submit: %m");
	usleep(100000); /* a buffered read completes at once */
	test_daemon();
	test_waitsig();

	n = io_getevents(ctx, 1, 2, ev);
	if (n != 1)
		fail("io_getevents after restore: %ld events (%m), expected the one pending", n);
	else if (ev[0].data != 0x1111 || ev[0].res != 17)
		fail("pending event: data 0x%llx res %lld, expected 0x1111 and 17",
		     (unsigned long long)ev[0].data, (long long)ev[0].res);
	if (memcmp(buf1, "aio ring contents", 17))
		fail("the completed read's buffer lost its data");
	memset(buf2, 0, sizeof(buf2));
	if (submit_read(ctx, fd, buf2, sizeof(buf2), 0x2222)) {
		fail("io_submit on the restored context: %m");
		return test_done();
	}
	n = io_getevents(ctx, 1, 2, ev);
	if (n != 1 || ev[0].data != 0x2222 || ev[0].res != 17)
		fail("new request on the restored context: %ld events (%m), data 0x%llx", n,
		     n > 0 ? (unsigned long long)ev[0].data : 0ULL);
	else if (memcmp(buf2, "aio ring contents", 17))
		fail("new request read wrong data");
	if (syscall(SYS_io_destroy, ctx))
		fail("io_destroy on the restored context: %m");
	return test_done();
}
